import { errorMessage } from '../../../services/index';
import { scanReceiptCode, verifyReceipt, type ReceiptQuery, type ReceiptVerification } from '../../../services/receipts';
import { parseReceiptCode, receiptQueryFromPageOptions, receiptQueryOf } from './receipt-code';
import { formatFen } from '../../../utils/money';

/** form: nothing asked yet; checking; result: the answer is shown. */
type ViewState = 'form' | 'checking' | 'result';

interface ResultView {
  valid: boolean;
  title: string;
  /** Label colour (app.wxss .tag--…). */
  tagTheme: 'success' | 'danger' | 'warning';
  stateText: string;
  totalText: string;
  issuedDate: string;
  payerName: string;
}

const INVALID_TITLE = '未查到该票据，或校验码不符';

function resultView(answer: ReceiptVerification): ResultView {
  if (!answer.valid) return { valid: false, title: INVALID_TITLE, tagTheme: 'danger', stateText: '未通过', totalText: '', issuedDate: '', payerName: '' };
  const state = answer.state ?? 'ISSUED';
  return {
    valid: true,
    title: state === 'VOIDED' ? '票据真实，但已冲红，不再作为缴费凭证' : state === 'PENDING' ? '票据真实，正在开具' : '票据真实有效',
    tagTheme: state === 'VOIDED' ? 'danger' : state === 'PENDING' ? 'warning' : 'success',
    stateText: answer.stateText ?? '',
    totalText: typeof answer.total === 'number' ? formatFen(answer.total) : '',
    issuedDate: answer.issuedDate ?? '',
    payerName: answer.payerName ?? '',
  };
}

/**
 * 票据查验: anyone holding a receipt (the student, a bank, an employer) checks that it is genuine
 * and still valid. Opened from the QR code on the receipt (a scanned link or a URL Scheme carry the
 * fields), by 扫码查验 here, or by typing 票据代码, 票据号码 and 校验码.
 */
Component({
  data: {
    state: 'form' as ViewState,
    receiptCode: '',
    receiptNo: '',
    checkCode: '',
    formError: '',
    result: null as ResultView | null,
  },

  methods: {
    onLoad(options: Record<string, string | undefined>) {
      const query = receiptQueryFromPageOptions(options ?? {});
      if (query) void this.check(query);
      else if (options?.q) this.setData({ formError: '二维码内容无法识别，请手动输入票据信息' });
    },

    async check(query: ReceiptQuery) {
      this.setData({ ...query, state: 'checking', formError: '', result: null });
      try {
        const answer = await verifyReceipt(query);
        this.setData({ state: 'result', result: resultView(answer) });
      } catch (error) {
        this.setData({ state: 'form', formError: errorMessage(error) });
      }
    },

    onCodeInput(event: WechatMiniprogram.Input) {
      this.setData({ receiptCode: event.detail.value, formError: '' });
    },

    onNoInput(event: WechatMiniprogram.Input) {
      this.setData({ receiptNo: event.detail.value, formError: '' });
    },

    onCheckInput(event: WechatMiniprogram.Input) {
      this.setData({ checkCode: event.detail.value, formError: '' });
    },

    onSubmit() {
      if (this.data.state === 'checking') return;
      const query = receiptQueryOf(this.data.receiptCode, this.data.receiptNo, this.data.checkCode);
      if (!query) {
        this.setData({ formError: '请输入 8 位票据代码、10 位票据号码和 6 位校验码' });
        return;
      }
      void this.check(query);
    },

    async onScanTap() {
      if (this.data.state === 'checking') return;
      let text: string;
      try {
        text = await scanReceiptCode();
      } catch (error) {
        wx.showToast({ title: errorMessage(error), icon: 'none' });
        return;
      }
      const query = parseReceiptCode(text);
      if (!query) {
        this.setData({ formError: '这不是本校电子票据的二维码' });
        return;
      }
      void this.check(query);
    },

    onAgainTap() {
      this.setData({ state: 'form', result: null, formError: '' });
    },
  },
});
