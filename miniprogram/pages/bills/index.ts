import { errorMessage, getSessionStatus } from '../../services/index';

/** 'loading' only before the first answer; later refreshes keep what is on screen. */
type ViewState = 'loading' | 'signed-out' | 'signed-in' | 'error';

const LOGIN_URL = '/pages/login/index';

let requestSeq = 0;

/** 账单缴费 (tab). Bills and payment come later; for now: who is signed in. */
Component({
  data: {
    state: 'loading' as ViewState,
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
        this.setData({ state: status.signedIn ? 'signed-in' : 'signed-out', errorText: '' });
      } catch (error) {
        if (seq !== requestSeq) return;
        this.setData({ state: 'error', errorText: errorMessage(error) });
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

    onRetryTap() {
      this.setData({ state: 'loading', errorText: '' });
      void this.refresh();
    },
  },
});
