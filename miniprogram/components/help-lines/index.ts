import { config } from '../../config/index';
import type { HelpLine } from '../../config/index';
import { dialString } from '../../utils/phone';

/**
 * 帮助与客服: the help lines from config (or `lines`), each with what it is for, one tap to call.
 * Emits `call` with `{ label, phone }` after asking WeChat to dial.
 */
Component({
  properties: {
    title: { type: String, value: '帮助与客服' },
    lines: { type: Array, value: config.helpLines as HelpLine[] },
  },

  methods: {
    onLineTap(event: WechatMiniprogram.TouchEvent) {
      const index = Number(event.currentTarget.dataset.index);
      const line = (this.data.lines as HelpLine[])[index];
      if (!line) return;
      wx.makePhoneCall({
        phoneNumber: dialString(line.phone),
        fail(err) {
          // Cancelling the system dialog is not an error worth a toast.
          if (!/cancel/i.test(err.errMsg)) wx.showToast({ title: '无法拨打电话', icon: 'none' });
        },
      });
      this.triggerEvent('call', { label: line.label, phone: line.phone });
    },
  },
});
