import { errorMessage, isSignedOut } from '../../../services/index';
import { listReceipts, openReceipt, sendReceiptEmail, type ReceiptListItem } from '../../../services/receipts';
import { isValidEmail } from '../../../utils/email-rule';
import { formatFen } from '../../../utils/money';

/** 'loading' only before the first answer; later refreshes keep what is on screen. */
type ViewState = 'loading' | 'signed-out' | 'ready' | 'error';

const LOGIN_URL = '/pages/login/index';
const VERIFY_URL = '/package-receipts/pages/verify/index';

interface ReceiptCard {
  id: string;
  receiptNo: string;
  totalText: string;
  dateText: string;
  itemsText: string;
  stateText: string;
  /** Label colour (app.wxss .tag--…): success 已开具, danger 已冲红, warning 开具中. */
  tagTheme: 'success' | 'danger' | 'warning';
  canOpen: boolean;
  canEmail: boolean;
  orderEmailMasked: string;
}

const TAG_THEME: Record<ReceiptListItem['state'], ReceiptCard['tagTheme']> = {
  ISSUED: 'success',
  VOIDED: 'danger',
  PENDING: 'warning',
};

function card(item: ReceiptListItem): ReceiptCard {
  return {
    id: item.receiptId,
    receiptNo: item.receiptNo,
    totalText: formatFen(item.total),
    dateText: item.issuedDate,
    itemsText: [item.academicYear ? `${item.academicYear} 学年` : '', item.items].filter(Boolean).join(' · '),
    stateText: item.stateText,
    tagTheme: TAG_THEME[item.state],
    canOpen: item.state !== 'PENDING',
    canEmail: item.state === 'ISSUED',
    orderEmailMasked: item.orderEmailMasked ?? '',
  };
}

let requestSeq = 0;

/** 我的 → 我的发票: every receipt of the signed-in student, newest first. */
Component({
  data: {
    state: 'loading' as ViewState,
    errorText: '',
    receipts: [] as ReceiptCard[],
    opening: false,
    /** The 发送到邮箱 sheet. */
    mailVisible: false,
    mailReceiptId: '',
    mailReceiptNo: '',
    mailOrderEmail: '',
    mailInput: '',
    mailError: '',
    mailSending: false,
  },

  methods: {
    onShow() {
      void this.refresh();
    },

    onPullDownRefresh() {
      void this.refresh().then(() => wx.stopPullDownRefresh?.());
    },

    async refresh() {
      const seq = (requestSeq += 1);
      try {
        const items = await listReceipts();
        if (seq !== requestSeq) return;
        this.setData({ state: 'ready', errorText: '', receipts: items.map(card) });
      } catch (error) {
        if (seq !== requestSeq) return;
        if (isSignedOut(error)) {
          this.setData({ state: 'signed-out', errorText: '', receipts: [] });
          return;
        }
        this.setData({ state: this.data.state === 'ready' ? 'ready' : 'error', errorText: errorMessage(error) });
        if (this.data.state === 'ready') wx.showToast({ title: errorMessage(error), icon: 'none' });
      }
    },

    onRetryTap() {
      this.setData({ state: 'loading', errorText: '' });
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

    onVerifyTap() {
      wx.navigateTo({ url: VERIFY_URL });
    },

    async onReceiptTap(event: WechatMiniprogram.BaseEvent) {
      const id = String(event.currentTarget.dataset.id ?? '');
      const receipt = this.data.receipts.find((r) => r.id === id);
      if (!receipt || this.data.opening) return;
      if (!receipt.canOpen) {
        wx.showToast({ title: '票据正在生成，请稍后再试', icon: 'none' });
        return;
      }
      this.setData({ opening: true });
      wx.showLoading({ title: '正在打开票据', mask: true });
      try {
        await openReceipt(id);
        wx.hideLoading();
      } catch (error) {
        wx.hideLoading();
        wx.showToast({ title: errorMessage(error), icon: 'none' });
      } finally {
        this.setData({ opening: false });
      }
    },

    onEmailTap(event: WechatMiniprogram.BaseEvent) {
      const id = String(event.currentTarget.dataset.id ?? '');
      const receipt = this.data.receipts.find((r) => r.id === id);
      if (!receipt) return;
      this.setData({
        mailVisible: true,
        mailReceiptId: receipt.id,
        mailReceiptNo: receipt.receiptNo,
        mailOrderEmail: receipt.orderEmailMasked,
        mailInput: '',
        mailError: '',
        mailSending: false,
      });
    },

    onMailInput(event: WechatMiniprogram.Input) {
      this.setData({ mailInput: event.detail.value, mailError: '' });
    },

    onMailCancel() {
      if (this.data.mailSending) return;
      this.setData({ mailVisible: false, mailError: '' });
    },

    async onMailSend() {
      if (this.data.mailSending) return;
      const typed = this.data.mailInput.trim();
      let email: string | undefined;
      if (typed) {
        // The server's own rule (utils/email-rule.ts is generated from it); the server normalizes it.
        if (!isValidEmail(typed)) {
          this.setData({ mailError: '请输入正确的邮箱地址' });
          return;
        }
        email = typed;
      } else if (!this.data.mailOrderEmail) {
        this.setData({ mailError: '请输入接收票据的邮箱地址' });
        return;
      }
      this.setData({ mailSending: true, mailError: '' });
      try {
        const sentTo = await sendReceiptEmail(this.data.mailReceiptId, email);
        this.setData({ mailVisible: false, mailSending: false });
        wx.showToast({ title: `已发送到 ${sentTo}`, icon: 'none' });
      } catch (error) {
        this.setData({ mailSending: false, mailError: errorMessage(error) });
      }
    },
  },
});
