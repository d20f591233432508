import { config, type HelpLine } from '../../../config/index';
import { errorMessage, isServiceError } from '../../../services/index';
import {
  phoneCodeFrom,
  resetForgottenPassword,
  verifyForgotPassword,
  type AccountKind,
  type PhoneNumberDetail,
} from '../../../services/auth';
import { requirePrivacy } from '../../components/privacy-dialog/require';
import { submitForm, submitNewPassword, textFields } from '../../../utils/form';

const LOGIN_URL = '/pages/login/index';

type Step = 'verify' | 'reset' | 'done';

const fields = textFields(['account', 'newPassword', 'confirmPassword']);

/** Who can help when the phone cannot prove the account: the finance office first. */
const OFFICE_LINES: HelpLine[] = [
  ...config.helpLines.filter((line) => line.label.includes('计划财务处')),
  ...config.helpLines.filter((line) => !line.label.includes('计划财务处')),
];

/**
 * 忘记密码: the account (学号 or 证件号) and WeChat's phone number, which must be the one on file;
 * then a new password. When the phone cannot prove it, the office's numbers are shown.
 */
Component({
  data: {
    ...fields.data,
    step: 'verify' as Step,
    mode: 'studentNo' as AccountKind,
    accountName: '',
    accountNo: '',
    rules: [] as string[],
    errorText: '',
    showOffice: false,
    officeLines: OFFICE_LINES,
    privacyRefused: false,
    busy: false,
  },

  methods: {
    ...fields.handlers,

    onLoad() {
      void this.askPrivacy();
    },

    async askPrivacy() {
      const agreed = await requirePrivacy();
      this.setData({ privacyRefused: !agreed });
    },

    onPrivacyRetryTap() {
      void this.askPrivacy();
    },

    onPrivacyAgree() {
      this.setData({ privacyRefused: false });
    },

    onModeTap(event: WechatMiniprogram.TouchEvent) {
      const mode = event.currentTarget.dataset.mode as AccountKind;
      if (mode !== this.data.mode) this.setData({ mode, account: '', errorText: '', showOffice: false });
    },

    async onGetPhoneNumber(event: { detail: PhoneNumberDetail }) {
      const account = this.data.account.trim();
      if (!account) {
        this.setData({ errorText: this.data.mode === 'studentNo' ? '请输入学号' : '请输入证件号' });
        return;
      }
      await submitForm(
        this,
        async () => {
          const code = await phoneCodeFrom(event.detail);
          const verified = await verifyForgotPassword(this.data.mode, account, code);
          this.setData({ step: 'reset', accountName: verified.name, accountNo: verified.studentNo, rules: [...verified.passwordRules] });
        },
        {
          clear: { showOffice: false },
          onError: (error) => {
            const office = isServiceError(error) && (error.code === 'RESET_NOT_VERIFIED' || error.code === 'RATE_LIMITED');
            this.setData({ errorText: errorMessage(error), showOffice: office });
          },
        },
      );
    },

    async onResetTap() {
      await submitNewPassword(
        this,
        async (newPassword, confirmPassword) => {
          await resetForgottenPassword(newPassword, confirmPassword);
          this.setData({ step: 'done', newPassword: '', confirmPassword: '' });
        },
        {
          onError: (error) => {
            if (isServiceError(error) && error.code === 'RESET_EXPIRED') this.setData({ step: 'verify' });
            this.setData({ errorText: errorMessage(error) });
          },
        },
      );
    },

    onBackToLoginTap() {
      wx.redirectTo({ url: `${LOGIN_URL}?by=studentNo&account=${encodeURIComponent(this.data.accountNo)}` });
    },
  },
});
