import { errorMessage, getSessionStatus, isServiceError, isSignedOut } from '../../services/index';
import { askDeadlineReminder, getBillsOverview, getOrder, type BillsOverview, type DeadlineReminderOutcome, type OrderView } from '../../services/bills';
import {
  cancelOrder,
  confirmPayment,
  createOrder,
  openOrdersPaidOnThisDevice,
  paidOnThisDevice,
  payInSheet,
  requestPaySuccessSubscription,
  resumeOrder,
  syncOrder,
  type PayStart,
} from '../../services/pay';
import { config } from '../../config/index';
import { isValidEmail } from '../../utils/email-rule';
import { formatFen } from '../../utils/money';
import { dialString } from '../../utils/phone';
import {
  allToggled,
  confirmationNotice,
  orderCard,
  payGuideDismissedFor,
  payGuideShown,
  processingCard,
  REMINDER_DECLINED_NOTE,
  REMINDER_UNAVAILABLE_NOTE,
  reminderAcceptedNote,
  selectionView,
  toggled,
  unpaidTerms,
  unpaidView,
  withoutOrderedBills,
  type BillGroup,
  type OrderCard,
  type OrderCardOptions,
  type Ticks,
} from './view-model';

/** 'loading' only before the first answer; later refreshes keep what is on screen. */
type ViewState = 'loading' | 'signed-out' | 'signed-in' | 'error';
type Tab = 'unpaid' | 'paying' | 'done';

const LOGIN_URL = '/pages/login/index';
const EMAIL_STORAGE_KEY = 'zhjf.receiptEmail';
/** The terms the student dismissed the payment guide's reminder for (it comes back for a new term). */
const GUIDE_STORAGE_KEY = 'zhjf.payGuideDismissed';
const EMAIL_MISSING = '请填写邮箱，电子票据将发送到该邮箱';
const EMAIL_MALFORMED = '邮箱格式不正确，请检查';
/** Whom a student calls about a payment set aside for checking. */
const FINANCE_LINE = config.helpLines.find((line) => line.label.includes('计划财务处')) ?? null;
const CARD_OPTIONS: OrderCardOptions = { financePhone: FINANCE_LINE?.phone ?? null };

let requestSeq = 0;

/** A toast shows at most two short lines, briefly: anything longer is cut there, so it gets a dialog. */
const TOAST_MAX_CHARS = 14;

/** Tells the student of a refusal or what to do next, in full: a toast when it fits, else a dialog to close. */
function tell(message: string): void {
  if (message.length <= TOAST_MAX_CHARS) wx.showToast({ title: message, icon: 'none' });
  else wx.showModal({ content: message, showCancel: false, confirmText: '知道了' });
}

function reminderNoteOf(outcome: DeadlineReminderOutcome): string {
  if (outcome.kind === 'accepted') return reminderAcceptedNote(outcome.consent);
  return outcome.kind === 'declined' ? REMINDER_DECLINED_NOTE : REMINDER_UNAVAILABLE_NOTE;
}

/**
 * 账单缴费 (tab): who pays and the payment guide's checks, then 待缴费 / 缴费中 / 已完成; the email
 * for the receipt before the bills; 截止前提醒我; 联系我们.
 */
Component({
  data: {
    state: 'loading' as ViewState,
    errorText: '',
    /** Who pays, as the server has the student's record. */
    payer: null as BillsOverview['payer'],
    /** The payment guide's reminder, until dismissed. */
    guideVisible: false,
    /** 联系我们: the help lines, each with what it is for. */
    helpVisible: false,
    tab: 'unpaid' as Tab,
    groups: [] as BillGroup[],
    unpaidCount: 0,
    paying: [] as OrderCard[],
    done: [] as OrderCard[],
    checked: {} as Ticks,
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
    /** 截止前提醒我 is offered: a bill under 待缴费 has a deadline still ahead. */
    remindable: false,
    /** 截止前提醒我 is waiting for WeChat or the server. */
    reminderBusy: false,
    /** What the last 截止前提醒我 came to, or ''. */
    reminderNote: '',
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
        this.show(overview);
      } catch (error) {
        if (seq !== requestSeq) return;
        if (isSignedOut(error)) this.setData({ state: 'signed-out', errorText: '' });
        else this.setData({ state: 'error', errorText: errorMessage(error) });
      }
    },

    show({ payer, unpaid, paying, done, email }: BillsOverview) {
      const paidHere = openOrdersPaidOnThisDevice(paying.map((order) => order.id));
      // Paid on this device but not yet known as such to the server (every check failed, or the app
      // was closed): shown as 处理中, and the server told again (idempotent).
      for (const order of paying) {
        if (paidHere.has(order.id) && !order.processing && !order.underReview && this.data.processingId !== order.id) void this.tellPaid(order.id);
      }
      const { groups, amounts, unpaidCount, checked } = unpaidView(unpaid, this.data.checked);
      const remembered = this.data.email || email || (wx.getStorageSync(EMAIL_STORAGE_KEY) as string) || '';
      this.setData({
        state: 'signed-in',
        errorText: '',
        payer,
        guideVisible: payGuideShown(unpaidTerms(unpaid), wx.getStorageSync(GUIDE_STORAGE_KEY)),
        remindable: unpaid.some((bill) => !bill.overdue),
        groups,
        amounts,
        unpaidCount,
        paying: paying.map((order) => orderCard(order, { ...CARD_OPTIONS, paidOnThisDevice: paidHere.has(order.id) })),
        done: done.map((order) => orderCard(order, CARD_OPTIONS)),
        email: remembered,
      });
      this.applySelection(checked);
    },

    applySelection(checked: Ticks) {
      this.setData(selectionView(this.data.groups, this.data.amounts, checked));
    },

    onTabTap(event: WechatMiniprogram.BaseEvent) {
      const tab = String(event.currentTarget.dataset.tab) as Tab;
      if (tab !== this.data.tab) this.setData({ tab });
    },

    /** Ticks a bill on or off; a bill that cannot be paid online (已截止) stays unticked (selectionView). */
    onBillTap(event: WechatMiniprogram.BaseEvent) {
      this.applySelection(toggled(this.data.checked, String(event.currentTarget.dataset.id)));
    },

    onCheckAllTap() {
      this.applySelection(allToggled(this.data.groups, this.data.allChecked));
    },

    onEmailInput(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ email: event.detail.value, emailError: '' });
    },

    onEmailBlur() {
      const email = this.data.email.trim();
      if (email !== '' && !isValidEmail(email)) this.setData({ emailError: EMAIL_MALFORMED });
    },

    /** 知道了: the guide's reminder stays away until bills of another term appear. */
    onGuideDismiss() {
      const owed = this.data.groups.map((group) => group.term);
      wx.setStorageSync(GUIDE_STORAGE_KEY, payGuideDismissedFor(owed, wx.getStorageSync(GUIDE_STORAGE_KEY)));
      this.setData({ guideVisible: false });
    },

    onHelpTap() {
      this.setData({ helpVisible: true });
    },

    onHelpClose() {
      this.setData({ helpVisible: false });
    },

    onHelpVisibleChange(event: WechatMiniprogram.CustomEvent<{ visible: boolean }>) {
      this.setData({ helpVisible: event.detail.visible });
    },

    /** 截止前提醒我: WeChat's prompt (asked inside the tap), then the server counts the reminder. */
    onRemindTap() {
      if (this.data.reminderBusy) return;
      const asked = askDeadlineReminder();
      this.setData({ reminderBusy: true, reminderNote: '' });
      void asked
        .then(
          (outcome) => this.setData({ reminderNote: reminderNoteOf(outcome) }),
          (error: unknown) => this.setData({ reminderNote: errorMessage(error) }),
        )
        .then(() => this.setData({ reminderBusy: false }));
    },

    /** 立即支付. */
    onPayTap() {
      if (this.data.busy) return;
      const billIds = Object.keys(this.data.checked);
      if (billIds.length === 0) {
        tell('请先勾选要缴纳的账单');
        return;
      }
      const email = this.data.email.trim();
      // The server's own rule (utils/email-rule.ts is generated from it); the server normalizes it.
      if (!isValidEmail(email)) {
        // Said above the pay bar too; the field itself is brought into view.
        this.setData({ emailError: email === '' ? EMAIL_MISSING : EMAIL_MALFORMED });
        wx.pageScrollTo({ selector: '#email-block', duration: 200 });
        tell('请填写正确的邮箱地址');
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
      const sheet = await payInSheet(start.order.id, start.payment, formatFen(start.order.total));
      if (sheet === 'cancelled') {
        tell('已取消支付，可在“缴费中”继续支付或取消订单');
        this.setData({ tab: 'paying', checked: {} });
        await this.refresh();
        return;
      }
      await this.showConfirmation(start.order);
    },

    /** 处理中 while the server is asked for the payment (services/pay.ts); never offers to pay again. */
    async showConfirmation(paid: OrderView) {
      const orderId = paid.id;
      const paying = [processingCard(paid, CARD_OPTIONS), ...this.data.paying.filter((order) => order.id !== orderId)];
      // The ticked bills are in this order now: they leave 待缴费 at once.
      const { groups, unpaidCount } = withoutOrderedBills(this.data.groups, paid);
      this.setData({ processingId: orderId, tab: 'paying', paying, groups, unpaidCount });
      this.applySelection({});
      const notice = confirmationNotice(await confirmPayment(orderId));
      this.setData(notice.tab ? { processingId: '', tab: notice.tab } : { processingId: '' });
      if (notice.success) wx.showToast({ title: notice.message, icon: 'success' });
      else tell(notice.message);
      await this.refresh();
    },

    async handlePayError(error: unknown) {
      const code = isServiceError(error) ? error.code : '';
      tell(errorMessage(error));
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
          const order = await syncOrder(orderId, paidOnThisDevice(orderId));
          if (order.status === 'PAID') {
            wx.showToast({ title: '缴费成功', icon: 'success' });
            this.setData({ tab: 'done' });
          }
        } catch (error) {
          tell(errorMessage(error));
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
            tell('该订单已支付，无需取消');
            this.setData({ tab: 'done' });
          } else {
            tell('订单已取消，账单已回到“待缴费”');
            this.setData({ tab: 'unpaid' });
          }
        } catch (error) {
          tell(errorMessage(error));
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
          if (this.data.detailVisible && this.data.detail?.id === orderId) this.setData({ detail: orderCard(order, CARD_OPTIONS) });
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
          if (!/cancel/i.test(err.errMsg)) tell('无法拨打电话');
        },
      });
    },

    onLoginTap() {
      wx.navigateTo({
        url: LOGIN_URL,
        fail() {
          tell('登录页暂不可用，请稍后再试');
        },
      });
    },

    onRetryTap() {
      this.setData({ state: 'loading', errorText: '' });
      void this.refresh();
    },
  },
});
