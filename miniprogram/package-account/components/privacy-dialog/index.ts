/**
 * 用户隐私保护提示: shown when WeChat needs the student's consent before a privacy API (here the
 * phone number button). It registers for `wx.onNeedPrivacyAuthorization` while attached, shows
 * itself, and answers WeChat with the student's choice: 同意 through the agreePrivacyAuthorization
 * button (as WeChat requires), 拒绝 by telling WeChat so. Emits `agree` or `disagree`.
 */
type PrivacyResolve = (result: { event: 'agree' | 'disagree'; buttonId?: string }) => void;

let pendingResolve: PrivacyResolve | null = null;

Component({
  properties: {
    /** What needs the consent, e.g. "验证手机号". */
    purpose: { type: String, value: '验证手机号' },
  },

  data: {
    visible: false,
    contractName: '《智慧缴费隐私保护指引》',
  },

  lifetimes: {
    attached() {
      if (typeof wx.onNeedPrivacyAuthorization !== 'function') return;
      wx.onNeedPrivacyAuthorization((resolve) => {
        pendingResolve = resolve as unknown as PrivacyResolve;
        this.setData({ visible: true });
      });
      if (typeof wx.getPrivacySetting === 'function') {
        wx.getPrivacySetting({
          success: (res) => {
            if (res.privacyContractName) this.setData({ contractName: res.privacyContractName });
          },
        });
      }
    },
    detached() {
      if (pendingResolve) pendingResolve({ event: 'disagree' });
      pendingResolve = null;
    },
  },

  methods: {
    noop() {},

    onOpenContract() {
      if (typeof wx.openPrivacyContract === 'function') wx.openPrivacyContract({});
    },

    onAgree() {
      const resolve = pendingResolve;
      pendingResolve = null;
      this.setData({ visible: false });
      if (resolve) resolve({ event: 'agree', buttonId: 'privacy-agree' });
      this.triggerEvent('agree');
    },

    onDisagree() {
      const resolve = pendingResolve;
      pendingResolve = null;
      this.setData({ visible: false });
      if (resolve) resolve({ event: 'disagree' });
      this.triggerEvent('disagree');
    },
  },
});
