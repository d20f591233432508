import { errorMessage, isServiceError } from '../../services/index';
import {
  confirmIdentity,
  getSetupState,
  phoneCodeFrom,
  setNewPassword,
  signOut,
  verifyDevice,
  verifySetupPhone,
  type MaskedIdentity,
  type PhoneNumberDetail,
  type SetupState,
} from '../../services/auth';
import { requirePrivacy } from '../../components/privacy-dialog/require';
import { type InputEvent, decodeQueryValue, newPasswordPairProblem } from '../../utils/form';

const BILLS_URL = '/pages/bills/index';
const LOGIN_URL = '/pages/login/index';

/**
 * - setup (首次登录): confirm the masked identity → new password → verify the phone;
 * - device: a WeChat account new to this student verifies the phone on file.
 */
type Mode = 'setup' | 'device';
type Step = 'loading' | 'identity' | 'password' | 'phone' | 'expired' | 'not-me';

/** Refusals the finance office can sort out: the page shows whom to call. */
const CALL_FOR_HELP = new Set(['PHONE_MISMATCH', 'SETUP_PHONE_TAKEN', 'SETUP_WECHAT_TAKEN']);

const FIELDS: { key: keyof MaskedIdentity; label: string }[] = [
  { key: 'name', label: '姓名' },
  { key: 'studentNo', label: '学号' },
  { key: 'idNumber', label: '证件号' },
  { key: 'college', label: '学院' },
  { key: 'major', label: '专业' },
  { key: 'grade', label: '年级' },
  { key: 'className', label: '班级' },
];

Component({
  data: {
    mode: 'setup' as Mode,
    step: 'loading' as Step,
    identityRows: [] as { label: string; value: string }[],
    phoneOnFile: '',
    rules: [] as string[],
    newPassword: '',
    confirmPassword: '',
    errorText: '',
    /** The phone did not match, or may not be used for this account: show whom to call. */
    showHelp: false,
    privacyRefused: false,
    busy: false,
  },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      if (query.mode === 'device') {
        wx.setNavigationBarTitle?.({ title: '验证手机号' });
        this.setData({ mode: 'device', phoneOnFile: decodeQueryValue(query.phone) });
        this.enterPhoneStep();
        return;
      }
      void this.load();
    },

    async load() {
      try {
        this.show(await getSetupState());
      } catch (error) {
        this.fail(error);
      }
    },

    show(state: SetupState) {
      const identityRows = FIELDS.map(({ key, label }) => ({ label, value: state.identity[key] }));
      this.setData({ identityRows, phoneOnFile: state.phoneOnFile ?? '', rules: [...state.passwordRules], errorText: '' });
      if (!state.identityConfirmed) this.setData({ step: 'identity' });
      else if (!state.passwordSet) this.setData({ step: 'password' });
      else this.enterPhoneStep();
    },

    fail(error: unknown) {
      if (isServiceError(error) && (error.code === 'SETUP_EXPIRED' || error.code === 'DEVICE_EXPIRED')) {
        this.setData({ step: 'expired', errorText: error.message });
        return;
      }
      const callForHelp = isServiceError(error) && CALL_FOR_HELP.has(error.code);
      this.setData({ errorText: errorMessage(error), showHelp: callForHelp });
    },

    async enterPhoneStep() {
      this.setData({ step: 'phone' });
      const agreed = await requirePrivacy();
      this.setData({ privacyRefused: !agreed });
    },

    onPrivacyRetryTap() {
      void this.enterPhoneStep();
    },

    onPrivacyAgree() {
      this.setData({ privacyRefused: false });
    },

    async onConfirmIdentityTap() {
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        this.show(await confirmIdentity());
      } catch (error) {
        this.fail(error);
      } finally {
        this.setData({ busy: false });
      }
    },

    /** 不是本人: nothing is changed; the sign-in is abandoned. */
    async onNotMeTap() {
      this.setData({ step: 'not-me', errorText: '' });
      try {
        await signOut();
      } catch {
        // The unfinished sign-in expires by itself.
      }
    },

    onNewPasswordChange(event: InputEvent) {
      this.setData({ newPassword: event.detail.value ?? '', errorText: '' });
    },

    onConfirmPasswordChange(event: InputEvent) {
      this.setData({ confirmPassword: event.detail.value ?? '', errorText: '' });
    },

    async onPasswordNextTap() {
      if (this.data.busy) return;
      const { newPassword, confirmPassword } = this.data;
      const pairProblem = newPasswordPairProblem(newPassword, confirmPassword);
      if (pairProblem) {
        this.setData({ errorText: pairProblem });
        return;
      }
      this.setData({ busy: true, errorText: '' });
      try {
        this.show(await setNewPassword(newPassword, confirmPassword));
        this.setData({ newPassword: '', confirmPassword: '' });
      } catch (error) {
        this.fail(error);
      } finally {
        this.setData({ busy: false });
      }
    },

    async onGetPhoneNumber(event: { detail: PhoneNumberDetail }) {
      if (this.data.busy) return;
      this.setData({ busy: true, errorText: '', showHelp: false });
      try {
        const code = await phoneCodeFrom(event.detail);
        if (this.data.mode === 'device') await verifyDevice(code);
        else await verifySetupPhone(code);
        wx.showToast({ title: this.data.mode === 'device' ? '验证成功' : '首次登录完成', icon: 'success' });
        wx.switchTab({ url: BILLS_URL });
      } catch (error) {
        this.fail(error);
      } finally {
        this.setData({ busy: false });
      }
    },

    onBackToLoginTap() {
      wx.redirectTo({ url: LOGIN_URL });
    },
  },
});
