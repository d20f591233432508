import { errorMessage, getSessionStatus } from '../../services/index';

type SessionView = 'loading' | 'signed-out' | 'signed-in' | 'error';

const LOGIN_URL = '/pages/login/index';

let requestSeq = 0;

/** 我的 (tab): who is signed in, and 帮助与客服. */
Component({
  data: {
    session: 'loading' as SessionView,
    errorText: '',
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
        this.setData({ session: status.signedIn ? 'signed-in' : 'signed-out', errorText: '' });
      } catch (error) {
        if (seq !== requestSeq) return;
        this.setData({ session: 'error', errorText: errorMessage(error) });
      }
    },

    onLoginTap() {
      wx.navigateTo({
        url: LOGIN_URL,
        fail() {
          wx.showToast({ title: '登录页暂不可用，请稍后再试', icon: 'none' });
        },
      });
    },
  },
});
