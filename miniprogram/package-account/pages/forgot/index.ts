import { config, type HelpLine } from '../../../config/index';
import { errorMessage, isServiceError } from '../../../services/index';
import {
  checkIdNumber,
  phoneCodeFrom,
  resetForgottenPassword,
  verifyForgotPassword,
  type AccountKind,
  type PhoneNumberDetail,
} from '../../../services/auth';
import { requirePrivacy } from '../../components/privacy-dialog/require';
import { submitForm, submitNewPassword, textFields, type InputEvent } from '../../../utils/form';
import { checkIdNumberTyped, checkStudentNo, type AccountCheck } from '../../../utils/account';

const LOGIN_URL = '/pages/login/index';

type Step = 'verify' | 'reset' | 'done';

const fields = textFields(['newPassword', 'confirmPassword']);

/** Only the latest check of what is typed may answer (an earlier one can arrive later). */
let accountCheckSeq = 0;

const WAITING_HINT: Record<AccountKind, string> = {
  studentNo: '请先输入学号，再验证手机号',
  idNumber: '请先输入证件号，再验证手机号',
};

/** Who can help when the phone cannot prove the account: the finance office first. */
const OFFICE_LINES: HelpLine[] = [
  ...config.helpLines.filter((line) => line.label.includes('计划财务处')),
  ...config.helpLines.filter((line) => !line.label.includes('计划财务处')),
];

/**
 * 忘记密码: the account (学号 or 证件号) and WeChat's phone number, which must be the one on file;
 * then a new password. The phone button stays off until the account is well formed (a 证件号 checked
 * by the server), so nobody shares the number for nothing. When the phone cannot prove the account,
 * the office's numbers are shown.
 */
Component({
  data: {
    ...fields.data,
    account: '',
    /** The account may be sent: the phone button is live. */
    accountReady: false,
    /** What to type first, while nothing is wrong. */
    accountHint: WAITING_HINT.studentNo,
    /** What is wrong with the account as typed. */
    accountProblem: '',
    /** The server could not be asked about the 证件号: offer to ask again. */
    accountCheckFailed: false,
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
      if (mode === this.data.mode) return;
      accountCheckSeq += 1;
      this.setData({ mode, account: '', accountReady: false, accountHint: WAITING_HINT[mode], accountProblem: '', accountCheckFailed: false, errorText: '', showOffice: false });
    },

    onAccountChange(event: InputEvent) {
      const account = event.detail.value ?? '';
      this.setData({ account, errorText: '', showOffice: false });
      void this.checkAccount(account);
    },

    /** TDesign's clear button empties the field without a change event. */
    onAccountClear() {
      this.setData({ account: '', errorText: '', showOffice: false });
      void this.checkAccount('');
    },

    /** Decides whether the phone button may go live for what is typed now. */
    async checkAccount(typed: string) {
      const seq = (accountCheckSeq += 1);
      const local: AccountCheck = this.data.mode === 'studentNo' ? checkStudentNo(typed) : checkIdNumberTyped(typed);
      this.showAccountCheck(local);
      if (local.kind !== 'askServer') return;
      try {
        await checkIdNumber(local.account);
        if (seq === accountCheckSeq) this.showAccountCheck({ kind: 'ready', account: local.account });
      } catch (error) {
        if (seq !== accountCheckSeq) return;
        this.showAccountCheck({ kind: 'wrong', problem: errorMessage(error) });
        this.setData({ accountCheckFailed: isServiceError(error) && error.code === 'NETWORK' });
      }
    },

    onAccountRetryTap() {
      void this.checkAccount(this.data.account);
    },

    showAccountCheck(check: AccountCheck) {
      this.setData({
        accountReady: check.kind === 'ready',
        accountHint: check.kind === 'waiting' ? check.hint : check.kind === 'askServer' ? '正在核对证件号…' : '',
        accountProblem: check.kind === 'wrong' ? check.problem : '',
        accountCheckFailed: false,
      });
    },

    async onGetPhoneNumber(event: { detail: PhoneNumberDetail }) {
      const account = this.data.account.trim();
      // The button is off until then; this guards a tap that raced a change of the account.
      if (!this.data.accountReady || !account) {
        this.setData({ errorText: this.data.accountProblem || this.data.accountHint || WAITING_HINT[this.data.mode] });
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
