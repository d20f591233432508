import { errorMessage, getSessionStatus, isServiceError } from '../../services/index';
import { getBillsOverview, getOrder, type BillView, type OrderView } from '../../services/bills';
import { cancelOrder, createOrder, openPaySheet, requestPaySuccessSubscription, resumeOrder, syncOrder, type PayStart } from '../../services/pay';
import { config } from '../../config/index';
import { formatFen } from '../../utils/money';
import { formatShanghai } from '../../utils/date';
import { dialString } from '../../utils/phone';

/** 'loading' only before the first answer; later refreshes keep what is on screen. */
type ViewState = 'loading' | 'signed-out' | 'signed-in' | 'error';
type Tab = 'unpaid' | 'paying' | 'done';

const LOGIN_URL = '/pages/login/index';
const EMAIL_STORAGE_KEY = 'zhjf.receiptEmail';
/**
 * Orders whose pay sheet said yes on this device (order id → when). Kept until the server has the
 * order as no longer open: if the app is killed or every check fails, the order is still shown as
 * 处理中 and never offered for payment again.
 */
const PAID_SHEETS_KEY = 'zhjf.paidSheets';
/** How long a device remembers a pay sheet that said yes (the order expires long before). */
const PAID_SHEET_MEMORY_MS = 24 * 3600_000;
/** Whom a student calls about a payment set aside for checking. */
const FINANCE_LINE = config.helpLines.find((line) => line.label.includes('计划财务处')) ?? null;
/** After the pay sheet said yes: ask the server again after these pauses (ms) before leaving it as 处理中. */
const SYNC_PAUSES = [0, 800, 1500, 2500];
const EMAIL_PATTERN = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;

interface BillCard {
  id: string;
  itemName: string;
  amountText: string;
  deadlineText: string;
  mandatory: boolean;
  overdue: boolean;
  checked: boolean;
}

interface BillGroup {
  term: string;
  termLabel: string;
  bills: BillCard[];
}

interface LineRow {
  key: string;
  label: string;
  termLabel: string;
  amountText: string;
}

interface OrderCard {
  id: string;
  outTradeNo: string;
  statusText: string;
  itemsText: string;
  totalText: string;
  createdText: string;
  expiresText: string;
  paidText: string;
  transactionText: string;
  email: string;
  processing: boolean;
  canResume: boolean;
  canCancel: boolean;
  otherPayer: boolean;
  underReview: boolean;
  noticeText: string;
  refundText: string;
  lines: LineRow[];
}

const STATUS_TEXT: Record<OrderView['status'], string> = {
  PENDING: '待支付',
  PAID: '已支付',
  CLOSED: '已关闭',
  REFUNDING: '退款中',
  REFUNDED: '已退款',
};

function isValidEmail(value: string): boolean {
  const email = value.trim();
  return email.length <= 100 && EMAIL_PATTERN.test(email) && !email.includes('..');
}

type PaidSheets = Record<string, number>;

function readPaidSheets(): PaidSheets {
  const stored = wx.getStorageSync(PAID_SHEETS_KEY) as PaidSheets | '' | undefined;
  return stored && typeof stored === 'object' ? { ...stored } : {};
}

/** This device's pay sheet said yes for the order: remembered before anything else can fail. */
function rememberPaidSheet(orderId: string): void {
  const sheets = readPaidSheets();
  sheets[orderId] = Date.now();
  wx.setStorageSync(PAID_SHEETS_KEY, sheets);
}

/** Keeps only orders still open (and recent); returns those. */
function prunePaidSheets(openIds: readonly string[]): PaidSheets {
  const sheets = readPaidSheets();
  const kept: PaidSheets = {};
  const now = Date.now();
  for (const [id, at] of Object.entries(sheets)) if (openIds.includes(id) && now - at < PAID_SHEET_MEMORY_MS) kept[id] = at;
  if (Object.keys(kept).length !== Object.keys(sheets).length) wx.setStorageSync(PAID_SHEETS_KEY, kept);
  return kept;
}

function orderCard(order: OrderView, paidOnThisDevice = false): OrderCard {
  const names = order.lines.map((line) => line.itemName).filter((name, i, all) => all.indexOf(name) === i);
  const processing = order.processing || (paidOnThisDevice && order.status === 'PENDING' && !order.underReview);
  return {
    id: order.id,
    outTradeNo: order.outTradeNo,
    statusText: order.underReview ? '待核实' : processing ? '处理中' : STATUS_TEXT[order.status],
    itemsText: names.join('、'),
    totalText: formatFen(order.total),
    createdText: formatShanghai(order.createdAt),
    expiresText: formatShanghai(order.expiresAt),
    paidText: order.paidAt ? formatShanghai(order.paidAt, 'YYYY-MM-DD HH:mm:ss') : '',
    transactionText: order.transactionIdMasked ?? '',
    email: order.email,
    processing,
    canResume: order.canResume && !processing,
    canCancel: order.canCancel && !processing,
    otherPayer: order.otherPayer,
    underReview: order.underReview,
    noticeText: order.notice ? `${order.notice}${order.underReview && FINANCE_LINE ? `（${FINANCE_LINE.phone}）` : ''}` : '',
    refundText: order.refund ? `${order.refund.reason}（${formatFen(order.refund.amount)}）` : '',
    lines: order.lines.map((line) => ({
      key: line.billId,
      label: line.itemName,
      termLabel: line.termLabel,
      amountText: formatFen(line.amount),
    })),
  };
}

function billGroups(bills: BillView[], checked: Record<string, boolean>): BillGroup[] {
  const groups: BillGroup[] = [];
  for (const bill of bills) {
    let group = groups.find((g) => g.term === bill.term);
    if (!group) {
      group = { term: bill.term, termLabel: bill.termLabel, bills: [] };
      groups.push(group);
    }
    group.bills.push({
      id: bill.id,
      itemName: bill.itemName,
      amountText: formatFen(bill.amount),
      deadlineText: formatShanghai(bill.deadline, 'YYYY-MM-DD'),
      mandatory: bill.mandatory,
      overdue: bill.overdue,
      checked: Boolean(checked[bill.id]),
    });
  }
  return groups;
}

let requestSeq = 0;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** 账单缴费 (tab): 待缴费 / 缴费中 / 已完成. */
Component({
  data: {
    state: 'loading' as ViewState,
    errorText: '',
    tab: 'unpaid' as Tab,
    groups: [] as BillGroup[],
    unpaidCount: 0,
    paying: [] as OrderCard[],
    done: [] as OrderCard[],
    checked: {} as Record<string, boolean>,
    /** Each payable bill's amount in integer fen: the total is added from these, never from text. */
    amounts: {} as Record<string, number>,
    selectedCount: 0,
    allChecked: false,
    totalText: formatFen(0),
    email: '',
    emailError: '',
    busy: false,
    /** The order whose payment is being confirmed (处理中), or ''. */
    processingId: '',
    cancelDialog: false,
    cancelOrderId: '',
    detailVisible: false,
    detail: null as OrderCard | null,
  },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      if (query.tab === 'done' || query.tab === 'paying' || query.tab === 'unpaid') this.setData({ tab: query.tab });
    },

    onShow() {
      void this.refresh();
    },

    onPullDownRefresh() {
      void this.refresh().then(() => wx.stopPullDownRefresh());
    },

    /** Everything the page shows, from the server. */
    async refresh() {
      const seq = (requestSeq += 1);
      try {
        const status = await getSessionStatus();
        if (seq !== requestSeq) return;
        if (!status.signedIn) {
          this.setData({ state: 'signed-out', errorText: '' });
          return;
        }
        const overview = await getBillsOverview();
        if (seq !== requestSeq) return;
        this.show(overview.unpaid, overview.paying, overview.done, overview.email);
      } catch (error) {
        if (seq !== requestSeq) return;
        if (isServiceError(error) && error.code === 'UNAUTHENTICATED') this.setData({ state: 'signed-out', errorText: '' });
        else this.setData({ state: 'error', errorText: errorMessage(error) });
      }
    },

    show(unpaid: BillView[], paying: OrderView[], done: OrderView[], email: string | null) {
      const sheets = prunePaidSheets(paying.map((order) => order.id));
      // Paid on this device but not yet known as such to the server (every check failed, or the app
      // was closed): shown as 处理中, and the server told again (idempotent).
      for (const order of paying) {
        if (sheets[order.id] && !order.processing && !order.underReview && this.data.processingId !== order.id) void this.tellPaid(order.id);
      }
      // Ticks survive a refresh only for bills that are still payable.
      const checked: Record<string, boolean> = {};
      for (const bill of unpaid) if (this.data.checked[bill.id]) checked[bill.id] = true;
      const remembered = this.data.email || email || (wx.getStorageSync(EMAIL_STORAGE_KEY) as string) || '';
      this.setData({
        state: 'signed-in',
        errorText: '',
        groups: billGroups(unpaid, checked),
        amounts: unpaid.reduce<Record<string, number>>((map, bill) => {
          map[bill.id] = bill.amount;
          return map;
        }, {}),
        unpaidCount: unpaid.length,
        paying: paying.map((order) => orderCard(order, Boolean(sheets[order.id]))),
        done: done.map((order) => orderCard(order)),
        email: remembered,
      });
      this.applySelection(checked);
    },

    applySelection(checked: Record<string, boolean>) {
      let total = 0;
      let count = 0;
      let all = 0;
      const groups = this.data.groups.map((group) => ({
        ...group,
        bills: group.bills.map((bill) => {
          all += 1;
          return { ...bill, checked: Boolean(checked[bill.id]) };
        }),
      }));
      for (const group of groups) {
        for (const bill of group.bills) {
          if (!bill.checked) continue;
          count += 1;
          total += this.data.amounts[bill.id] ?? 0;
        }
      }
      this.setData({ checked, groups, selectedCount: count, allChecked: all > 0 && count === all, totalText: formatFen(total) });
    },

    onTabTap(event: WechatMiniprogram.BaseEvent) {
      const tab = String(event.currentTarget.dataset.tab) as Tab;
      if (tab !== this.data.tab) this.setData({ tab });
    },

    onBillTap(event: WechatMiniprogram.BaseEvent) {
      const id = String(event.currentTarget.dataset.id);
      const checked = { ...this.data.checked };
      if (checked[id]) delete checked[id];
      else checked[id] = true;
      this.applySelection(checked);
    },

    onCheckAllTap() {
      const checked: Record<string, boolean> = {};
      if (!this.data.allChecked) for (const group of this.data.groups) for (const bill of group.bills) checked[bill.id] = true;
      this.applySelection(checked);
    },

    onEmailInput(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ email: event.detail.value, emailError: '' });
    },

    onEmailBlur() {
      const email = this.data.email.trim();
      if (email !== '' && !isValidEmail(email)) this.setData({ emailError: '邮箱格式不正确，请检查' });
    },

    /** 立即支付. */
    onPayTap() {
      if (this.data.busy) return;
      const billIds = Object.keys(this.data.checked);
      if (billIds.length === 0) {
        wx.showToast({ title: '请先勾选要缴纳的账单', icon: 'none' });
        return;
      }
      const email = this.data.email.trim();
      if (!isValidEmail(email)) {
        this.setData({ emailError: email === '' ? '请填写邮箱，电子票据将发送到该邮箱' : '邮箱格式不正确，请检查' });
        wx.showToast({ title: '请填写正确的邮箱地址', icon: 'none' });
        return;
      }
      // Asked inside the tap, as WeChat requires.
      const subscription = requestPaySuccessSubscription();
      this.setData({ busy: true });
      void (async () => {
        try {
          const subscribed = await subscription;
          wx.setStorageSync(EMAIL_STORAGE_KEY, email);
          const start = await createOrder({ billIds, email, subscribed });
          await this.pay(start);
        } catch (error) {
          await this.handlePayError(error);
        } finally {
          this.setData({ busy: false });
        }
      })();
    },

    /** 继续支付. */
    onResumeTap(event: WechatMiniprogram.BaseEvent) {
      if (this.data.busy) return;
      const orderId = String(event.currentTarget.dataset.id);
      this.setData({ busy: true });
      void (async () => {
        try {
          await this.pay(await resumeOrder(orderId));
        } catch (error) {
          await this.handlePayError(error);
        } finally {
          this.setData({ busy: false });
        }
      })();
    },

    /** The pay sheet, then 处理中 until the server has the payment. */
    async pay(start: PayStart) {
      if (!start.payment) {
        wx.showToast({ title: '该订单已支付', icon: 'success' });
        this.setData({ tab: 'done', checked: {} });
        await this.refresh();
        return;
      }
      const sheet = await openPaySheet(start.payment, formatFen(start.order.total));
      if (sheet === 'paid') rememberPaidSheet(start.order.id);
      if (sheet === 'cancelled') {
        wx.showToast({ title: '已取消支付，可在“缴费中”继续支付或取消订单', icon: 'none' });
        this.setData({ tab: 'paying', checked: {} });
        await this.refresh();
        return;
      }
      await this.confirmPayment(start.order);
    },

    /** 处理中: the pay sheet said yes; ask the server until it has the payment. Never offers to pay again. */
    async confirmPayment(paid: OrderView) {
      const orderId = paid.id;
      const card = { ...orderCard(paid), processing: true, statusText: '处理中', canResume: false, canCancel: false };
      const paying = [card, ...this.data.paying.filter((order) => order.id !== orderId)];
      // The ticked bills are in this order now: they leave 待缴费 at once.
      const groups = this.data.groups
        .map((group) => ({ ...group, bills: group.bills.filter((bill) => !paid.lines.some((line) => line.billId === bill.id)) }))
        .filter((group) => group.bills.length > 0);
      const unpaidCount = groups.reduce((n, group) => n + group.bills.length, 0);
      this.setData({ processingId: orderId, tab: 'paying', paying, groups, unpaidCount });
      this.applySelection({});
      let order: OrderView | null = null;
      for (let i = 0; i < SYNC_PAUSES.length; i += 1) {
        await pause(SYNC_PAUSES[i] as number);
        try {
          // Every attempt says the pay sheet succeeded: the first one may never have arrived.
          order = await syncOrder(orderId, true);
        } catch {
          order = null;
        }
        if (order && (order.status !== 'PENDING' || order.underReview)) break;
      }
      this.setData({ processingId: '' });
      if (order?.status === 'PAID') {
        wx.showToast({ title: '缴费成功', icon: 'success' });
        this.setData({ tab: 'done' });
      } else if (order?.underReview) {
        wx.showToast({ title: '支付结果待核实，请联系计划财务处', icon: 'none' });
      } else if (order && (order.status === 'REFUNDING' || order.status === 'REFUNDED')) {
        wx.showToast({ title: '该账单已由另一笔订单缴清，本次支付将原路退回', icon: 'none' });
        this.setData({ tab: 'done' });
      } else {
        wx.showToast({ title: '支付结果确认中，请稍后下拉刷新查看', icon: 'none' });
      }
      await this.refresh();
    },

    async handlePayError(error: unknown) {
      const code = isServiceError(error) ? error.code : '';
      wx.showToast({ title: errorMessage(error), icon: 'none' });
      if (code === 'EMAIL_INVALID') this.setData({ emailError: errorMessage(error) });
      if (code === 'BILLS_IN_OPEN_ORDER' || code === 'ORDER_PROCESSING' || code === 'ORDER_OTHER_PAYER' || code === 'ORDER_UNDER_REVIEW') this.setData({ tab: 'paying' });
      if (code === 'ORDER_EXPIRED' || code === 'BILL_NOT_PAYABLE' || code === 'BILLS_CHANGED') this.setData({ tab: 'unpaid', checked: {} });
      await this.refresh();
    },

    /** Tells the server again that this device's pay sheet said yes (after a failed check or a restart). */
    async tellPaid(orderId: string) {
      try {
        const order = await syncOrder(orderId, true);
        if (order.status !== 'PENDING') await this.refresh();
      } catch {
        // Still shown as 处理中; 刷新状态 or the next visit tries again.
      }
    },

    /** 刷新状态 of an order shown as 处理中. */
    onSyncTap(event: WechatMiniprogram.BaseEvent) {
      const orderId = String(event.currentTarget.dataset.id);
      void (async () => {
        try {
          const order = await syncOrder(orderId, Boolean(readPaidSheets()[orderId]));
          if (order.status === 'PAID') {
            wx.showToast({ title: '缴费成功', icon: 'success' });
            this.setData({ tab: 'done' });
          }
        } catch (error) {
          wx.showToast({ title: errorMessage(error), icon: 'none' });
        }
        await this.refresh();
      })();
    },

    /** 取消订单: asks first. */
    onCancelTap(event: WechatMiniprogram.BaseEvent) {
      this.setData({ cancelDialog: true, cancelOrderId: String(event.currentTarget.dataset.id) });
    },

    onCancelDismiss() {
      this.setData({ cancelDialog: false, cancelOrderId: '' });
    },

    onCancelVisibleChange(event: WechatMiniprogram.CustomEvent<{ visible: boolean }>) {
      if (!event.detail.visible) this.setData({ cancelDialog: false, cancelOrderId: '' });
    },

    onCancelConfirm() {
      const orderId = this.data.cancelOrderId;
      this.setData({ cancelDialog: false, cancelOrderId: '', busy: true });
      void (async () => {
        try {
          const result = await cancelOrder(orderId);
          if (result.outcome === 'PAID') {
            wx.showToast({ title: '该订单已支付，无需取消', icon: 'none' });
            this.setData({ tab: 'done' });
          } else {
            wx.showToast({ title: '订单已取消，账单已回到“待缴费”', icon: 'none' });
            this.setData({ tab: 'unpaid' });
          }
        } catch (error) {
          wx.showToast({ title: errorMessage(error), icon: 'none' });
        } finally {
          this.setData({ busy: false });
        }
        await this.refresh();
      })();
    },

    /** Order detail. */
    onOrderTap(event: WechatMiniprogram.BaseEvent) {
      const orderId = String(event.currentTarget.dataset.id);
      const cached = [...this.data.done, ...this.data.paying].find((order) => order.id === orderId) ?? null;
      this.setData({ detailVisible: true, detail: cached });
      void getOrder(orderId).then(
        (order) => {
          if (this.data.detailVisible && this.data.detail?.id === orderId) this.setData({ detail: orderCard(order) });
        },
        () => undefined,
      );
    },

    onDetailClose() {
      this.setData({ detailVisible: false });
    },

    onDetailVisibleChange(event: WechatMiniprogram.CustomEvent<{ visible: boolean }>) {
      this.setData({ detailVisible: event.detail.visible });
    },

    /** 联系计划财务处 on an order set aside for checking. */
    onFinanceCallTap() {
      if (!FINANCE_LINE) return;
      wx.makePhoneCall({
        phoneNumber: dialString(FINANCE_LINE.phone),
        fail(err) {
          if (!/cancel/i.test(err.errMsg)) wx.showToast({ title: '无法拨打电话', icon: 'none' });
        },
      });
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
