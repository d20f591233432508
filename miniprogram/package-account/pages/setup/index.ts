import { errorMessage, isServiceError } from '../../../services/index';
import {
  activateAccount,
  confirmIdentity,
  getSetupState,
  phoneCodeFrom,
  setNewPassword,
  signOut,
  verifyDevice,
  verifySetupPhone,
  type PhoneNumberDetail,
  type SetupIdentity,
  type SetupState,
} from '../../../services/auth';
import { formatShanghai } from '../../../utils/date';
import { requirePrivacy } from '../../components/privacy-dialog/require';
import { decodeQueryValue, submitForm, submitNewPassword, textFields } from '../../../utils/form';
import { RETURN_QUERY, returnAfterSignIn, returnRouteFrom } from '../../../utils/sign-in-return';

const LOGIN_URL = '/pages/login/index';

/**
 * - setup (首次登录): confirm the masked identity → (no phone on file: the office's activation
 *   code) → new password → verify the phone;
 * - device: a WeChat account new to this student verifies the phone on file.
 * Either way, done, the student goes on to the page that sent them to sign in (`back`, passed on
 * by the login page), or to 账单缴费.
 */
type Mode = 'setup' | 'device';
type Step = 'loading' | 'load-failed' | 'identity' | 'activation' | 'password' | 'phone' | 'expired' | 'not-me';

/** Typing a new activation code also hides the help lines its refusal showed. */
const activationField = textFields(['activationCode'], { showHelp: false });
const passwordFields = textFields(['newPassword', 'confirmPassword']);

/** Refusals the finance office can sort out: the page shows whom to call. */
const CALL_FOR_HELP = new Set(['PHONE_MISMATCH', 'SETUP_PHONE_TAKEN', 'SETUP_WECHAT_TAKEN', 'ACTIVATION_CODE_INVALID']);

const FIELDS: { key: keyof SetupIdentity; label: string }[] = [
  { key: 'name', label: '姓名' },
  { key: 'studentNo', label: '学号' },
  { key: 'idNumber', label: '证件号' },
];

interface StepLabel {
  key: Step;
  label: string;
}

/** The steps shown at the top; 激活账号 only for a student the school registered no phone for. */
function stepsOf(state: SetupState): StepLabel[] {
  const steps: StepLabel[] = [{ key: 'identity', label: '确认身份' }];
  if (state.phoneProof !== 'onFile') steps.push({ key: 'activation', label: '激活账号' });
  steps.push({ key: 'password', label: '修改密码' }, { key: 'phone', label: '验证手机' });
  return steps;
}

function nextStepOf(state: SetupState): Step {
  if (!state.identityConfirmed) return 'identity';
  if (state.phoneProof === 'activationCode') return 'activation';
  if (!state.passwordSet) return 'password';
  return 'phone';
}

Component({
  data: {
    mode: 'setup' as Mode,
    step: 'loading' as Step,
    identityRows: [] as { label: string; value: string }[],
    steps: [] as { label: string; state: 'done' | 'current' | 'todo' }[],
    /** Device mode: the masked number on file (the caller proved the student's own password). */
    phoneOnFile: '',
    phoneProof: 'onFile' as SetupState['phoneProof'],
    /** 计划财务处 reset this account: when, as shown. */
    resetNotice: '',
    ...activationField.data,
    ...passwordFields.data,
    rules: [] as string[],
    errorText: '',
    /** The phone did not match, or may not be used for this account: show whom to call. */
    showHelp: false,
    privacyRefused: false,
    busy: false,
    /** Where to go when done: a page of this mini program, '' for 账单缴费. */
    returnRoute: '',
  },

  methods: {
    ...activationField.handlers,
    ...passwordFields.handlers,

    onLoad(query: Record<string, string | undefined>) {
      this.setData({ returnRoute: returnRouteFrom(query[RETURN_QUERY]) ?? '' });
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
      const identityRows = FIELDS.flatMap(({ key, label }) => {
        const value = state.identity[key];
        return value ? [{ label, value }] : [];
      });
      const step = nextStepOf(state);
      const labels = stepsOf(state);
      const at = labels.findIndex((item) => item.key === step);
      const steps = labels.map((item, index) => ({
        label: `${index + 1} ${item.label}`,
        state: (index < at ? 'done' : index === at ? 'current' : 'todo') as 'done' | 'current' | 'todo',
      }));
      this.setData({
        identityRows,
        steps,
        phoneProof: state.phoneProof,
        resetNotice: state.resetByOfficeAt ? formatShanghai(state.resetByOfficeAt, 'YYYY年M月D日 HH:mm') : '',
        rules: [...state.passwordRules],
        errorText: '',
        showHelp: false,
      });
      if (step === 'phone') void this.enterPhoneStep();
      else this.setData({ step });
    },

    fail(error: unknown) {
      if (isServiceError(error) && (error.code === 'SETUP_EXPIRED' || error.code === 'DEVICE_EXPIRED')) {
        this.setData({ step: 'expired', errorText: error.message });
        return;
      }
      if (this.data.step === 'loading' || this.data.step === 'load-failed') {
        // Nothing to show yet: say what failed and offer to try again, rather than spin.
        this.setData({ step: 'load-failed', errorText: errorMessage(error) });
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

    onRetryLoadTap() {
      this.setData({ step: 'loading', errorText: '' });
      void this.load();
    },

    async onActivateTap() {
      const code = this.data.activationCode.trim();
      if (!code) {
        this.setData({ errorText: '请输入激活码' });
        return;
      }
      await submitForm(
        this,
        async () => {
          this.show(await activateAccount(code));
          this.setData({ activationCode: '' });
        },
        { clear: { showHelp: false }, onError: (error) => this.fail(error) },
      );
    },

    onPrivacyRetryTap() {
      void this.enterPhoneStep();
    },

    onPrivacyAgree() {
      this.setData({ privacyRefused: false });
    },

    async onConfirmIdentityTap() {
      await submitForm(this, async () => this.show(await confirmIdentity()), { onError: (error) => this.fail(error) });
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

    async onPasswordNextTap() {
      await submitNewPassword(
        this,
        async (newPassword, confirmPassword) => {
          this.show(await setNewPassword(newPassword, confirmPassword));
          this.setData({ newPassword: '', confirmPassword: '' });
        },
        { onError: (error) => this.fail(error) },
      );
    },

    async onGetPhoneNumber(event: { detail: PhoneNumberDetail }) {
      await submitForm(
        this,
        async () => {
          const code = await phoneCodeFrom(event.detail);
          if (this.data.mode === 'device') await verifyDevice(code);
          else await verifySetupPhone(code);
          wx.showToast({ title: this.data.mode === 'device' ? '验证成功' : '首次登录完成', icon: 'success' });
          returnAfterSignIn(this.data.returnRoute || null);
        },
        { clear: { showHelp: false }, onError: (error) => this.fail(error) },
      );
    },

    onBackToLoginTap() {
      wx.redirectTo({ url: LOGIN_URL });
    },
  },
});
