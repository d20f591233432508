import { errorMessage, getSessionStatus, isServiceError } from '../../services/index';
import { checkIdNumber, redeemDesktopLink, signIn, type AccountKind, type SignInResult } from '../../services/auth';
import { decodeQueryValue, submitForm, textFields } from '../../utils/form';
import { returnAfterSignIn, returnQueryFor, senderRoute } from '../../utils/sign-in-return';
import { desktopLinkFromOptions, MENU_ENTRY } from './desktop-link';

const BILLS_URL = '/pages/bills/index';
const SETUP_URL = '/package-account/pages/setup/index';
const FORGOT_URL = '/package-account/pages/forgot/index';

type IdStep = 'enter' | 'password';

const fields = textFields(['studentNo', 'idNumber', 'password']);

/**
 * 登录: 学号 + 密码, or 证件号 → 下一步 → 密码 (the university's guide). Opens with the account
 * filled in when the query carries one (`?by=studentNo&account=…`), or when it carries the
 * learning platform's QR link (`q`), once the server has accepted the link: then it also says that
 * the platform verified the student's face. The password is asked for either way.
 *
 * Signed in, the student goes back to the page that sent them here (我的发票, 我的…), through the
 * first sign-in or the new-WeChat check when the server asks for one; opened with nothing behind it
 * (a QR code, a shared link), to 账单缴费. The official account's menu opens it with `entry=menu`:
 * a student already signed in goes on to 账单缴费, anyone else signs in here and gets there after.
 */
Component({
  data: {
    ...fields.data,
    mode: 'studentNo' as AccountKind,
    idStep: 'enter' as IdStep,
    idMasked: '',
    errorText: '',
    busy: false,
    /** The learning platform's link is being checked. */
    checkingLink: false,
    /** The 学号 the platform's link was made for, after its face check; '' without a link. */
    faceVerifiedNo: '',
    /** Opened from the official account's menu: finding out whether this WeChat is signed in. */
    checkingSession: false,
    /** Opened from the official account's menu (智慧财务 → 智慧缴费): signing in leads to 账单缴费. */
    fromMenu: false,
    /** 联系我们: the help lines shown under the form. */
    helpVisible: false,
  },

  methods: {
    ...fields.handlers,

    onLoad(options: Record<string, string | undefined> | undefined) {
      const query = options ?? {};
      const link = desktopLinkFromOptions(query);
      if (link) {
        void this.redeemLink(link);
        return;
      }
      const account = decodeQueryValue(query.account);
      if (query.by === 'idNumber') this.setData({ mode: 'idNumber', idNumber: account });
      else if (account) this.setData({ mode: 'studentNo', studentNo: account });
      if (query.entry === MENU_ENTRY) {
        this.setData({ fromMenu: true });
        void this.goToBillsIfSignedIn();
      }
    },

    /** The platform's QR: its account filled in, or the reason it cannot be used over an ordinary login. */
    async redeemLink(link: string) {
      this.setData({ checkingLink: true });
      await submitForm(this, async () => {
        const redeemed = await redeemDesktopLink(link);
        this.setData({ mode: 'studentNo', idStep: 'enter', studentNo: redeemed.studentNo, faceVerifiedNo: redeemed.studentNo, password: '' });
      });
      this.setData({ checkingLink: false });
    },

    /** 公众号菜单: 账单缴费 at once for a student signed in on this WeChat; the form for anyone else. */
    async goToBillsIfSignedIn() {
      this.setData({ checkingSession: true });
      try {
        const status = await getSessionStatus();
        if (status.signedIn) {
          wx.switchTab({ url: BILLS_URL });
          return;
        }
      } catch {
        // Not known: the form is shown, and signing in reports a network problem itself.
      }
      this.setData({ checkingSession: false });
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
      const back = this.returnRoute();
      if (result.next === 'setup') {
        const query = returnQueryFor(back);
        wx.redirectTo({ url: query ? `${SETUP_URL}?${query}` : SETUP_URL });
      } else if (result.next === 'verifyDevice') {
        const query = [`mode=device&phone=${encodeURIComponent(result.phone ?? '')}`, returnQueryFor(back)].filter(Boolean).join('&');
        wx.redirectTo({ url: `${SETUP_URL}?${query}` });
      } else {
        wx.showToast({ title: '登录成功', icon: 'success' });
        returnAfterSignIn(back);
      }
    },

    /**
     * The page below this one (past any other login page: 忘记密码 comes back to a new one); null,
     * for 账单缴费, when there is none or when the official account's menu opened this page.
     */
    returnRoute(): string | null {
      return this.data.fromMenu ? null : senderRoute();
    },

    onForgotTap() {
      wx.navigateTo({ url: FORGOT_URL });
    },

    onHelpTap() {
      this.setData({ helpVisible: !this.data.helpVisible });
    },
  },
});
