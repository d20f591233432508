import { errorMessage, isServiceError } from '../../services/index';
import { checkIdNumber, signIn, type AccountKind, type SignInResult } from '../../services/auth';
import { decodeQueryValue, submitForm, textFields } from '../../utils/form';

const BILLS_URL = '/pages/bills/index';
const SETUP_URL = '/package-account/pages/setup/index';
const FORGOT_URL = '/package-account/pages/forgot/index';

type IdStep = 'enter' | 'password';

const fields = textFields(['studentNo', 'idNumber', 'password']);

/**
 * 登录: 学号 + 密码, or 证件号 → 下一步 → 密码 (the university's guide). Opens with the account
 * filled in when the query carries one (`?by=studentNo&account=…`).
 */
Component({
  data: {
    ...fields.data,
    mode: 'studentNo' as AccountKind,
    idStep: 'enter' as IdStep,
    idMasked: '',
    errorText: '',
    busy: false,
  },

  methods: {
    ...fields.handlers,

    onLoad(query: Record<string, string | undefined>) {
      const account = decodeQueryValue(query.account);
      if (query.by === 'idNumber') this.setData({ mode: 'idNumber', idNumber: account });
      else if (account) this.setData({ mode: 'studentNo', studentNo: account });
    },

    onModeTap(event: WechatMiniprogram.TouchEvent) {
      const mode = event.currentTarget.dataset.mode as AccountKind;
      if (mode === this.data.mode) return;
      this.setData({ mode, idStep: 'enter', password: '', errorText: '' });
    },

    /** 证件号 → 下一步: the number's form is checked before the password is asked for. */
    async onNextTap() {
      const idNumber = this.data.idNumber.trim();
      if (!idNumber) {
        this.setData({ errorText: '请输入证件号' });
        return;
      }
      await submitForm(this, async () => {
        const checked = await checkIdNumber(idNumber);
        this.setData({ idStep: 'password', idMasked: checked.idNumber, password: '' });
      });
    },

    onChangeIdTap() {
      this.setData({ idStep: 'enter', password: '', errorText: '' });
    },

    async onSignInTap() {
      const { mode } = this.data;
      const account = (mode === 'studentNo' ? this.data.studentNo : this.data.idNumber).trim();
      if (!account) {
        this.setData({ errorText: mode === 'studentNo' ? '请输入学号' : '请输入证件号' });
        return;
      }
      if (!this.data.password) {
        this.setData({ errorText: '请输入密码' });
        return;
      }
      await submitForm(
        this,
        async () => {
          const result = await signIn(mode, account, this.data.password);
          this.setData({ password: '' });
          this.goOn(result);
        },
        {
          onError: (error) => {
            this.setData({ errorText: errorMessage(error) });
            if (isServiceError(error) && /^ID_NUMBER_/.test(error.code)) this.setData({ idStep: 'enter' });
          },
        },
      );
    },

    goOn(result: SignInResult) {
      if (result.next === 'setup') {
        wx.redirectTo({ url: SETUP_URL });
      } else if (result.next === 'verifyDevice') {
        wx.redirectTo({ url: `${SETUP_URL}?mode=device&phone=${encodeURIComponent(result.phone ?? '')}` });
      } else {
        wx.showToast({ title: '登录成功', icon: 'success' });
        wx.switchTab({ url: BILLS_URL });
      }
    },

    onForgotTap() {
      wx.navigateTo({ url: FORGOT_URL });
    },
  },
});
