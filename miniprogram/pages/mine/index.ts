import { errorMessage, isSignedOut } from '../../services/index';
import { getProfile, getSessionStatus, signOut, type Profile } from '../../services/auth';
import { openPrivacyGuide } from '../../utils/privacy';

type SessionView = 'loading' | 'signed-out' | 'signed-in' | 'error';

const LOGIN_URL = '/pages/login/index';
const PASSWORD_URL = '/package-account/pages/password/index';
const RECEIPTS_URL = '/package-receipts/pages/receipts/index';

let requestSeq = 0;

/**
 * 我的 (tab): the signed-in student's masked profile, 我的发票, 修改密码, 退出登录; the privacy
 * guide and 帮助与客服 for everyone; a failed load says why and offers 重试.
 */
Component({
  data: {
    session: 'loading' as SessionView,
    errorText: '',
    profile: null as Profile | null,
    busy: false,
  },

  methods: {
    onShow() {
      void this.refresh();
    },

    async refresh() {
      const seq = (requestSeq += 1);
      try {
        const status = await getSessionStatus();
        if (seq !== requestSeq) return;
        if (!status.signedIn) {
          this.setData({ session: 'signed-out', errorText: '', profile: null });
          return;
        }
        const profile = await getProfile();
        if (seq !== requestSeq) return;
        this.setData({ session: 'signed-in', errorText: '', profile });
      } catch (error) {
        if (seq !== requestSeq) return;
        if (isSignedOut(error)) {
          this.setData({ session: 'signed-out', errorText: '', profile: null });
          return;
        }
        this.setData({ session: 'error', errorText: errorMessage(error) });
      }
    },

    onRetryTap() {
      this.setData({ session: 'loading', errorText: '' });
      void this.refresh();
    },

    onLoginTap() {
      wx.navigateTo({
        url: LOGIN_URL,
        fail() {
          wx.showToast({ title: '登录页暂不可用，请稍后再试', icon: 'none' });
        },
      });
    },

    onChangePasswordTap() {
      wx.navigateTo({ url: PASSWORD_URL });
    },

    onReceiptsTap() {
      wx.navigateTo({ url: RECEIPTS_URL });
    },

    onPrivacyTap() {
      openPrivacyGuide();
    },

    onSignOutTap() {
      if (this.data.busy) return;
      wx.showModal({
        title: '退出登录',
        content: '确定退出当前账号？',
        confirmText: '退出',
        success: (res) => {
          if (res.confirm) void this.doSignOut();
        },
      });
    },

    async doSignOut() {
      this.setData({ busy: true });
      try {
        await signOut();
        wx.showToast({ title: '已退出登录', icon: 'none' });
      } catch (error) {
        wx.showToast({ title: errorMessage(error), icon: 'none' });
      } finally {
        this.setData({ busy: false });
        await this.refresh();
      }
    },
  },
});
