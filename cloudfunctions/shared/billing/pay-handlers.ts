import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { payContract, PayStart } from './contract';
import { isExpired, newOrder, newOutTradeNo, orderUsable, sameBills, selectBills, selectionState, termLabel } from './domain/billing';
import { payabilityProblems } from './domain/payable';
import { feeItemCatalogue } from './fee-item-catalogue';
import type { BillDoc, OrderDoc } from './domain/records';
import { orderView } from './views';
import { closedOrdersUnderReview } from './review-holds';
import { normalizeEmail } from '../kernel/email';
import { paymentContextOf, type PaymentContext } from './context';
import { closeLocally, ensurePayment, isPaidOutcome, markBillsPaid, retireOrder, syncWithWechat } from './orders';
import { billsAsPriced, stillAsPriced, type BillAsPriced } from './store/bills';
import { AppError, commands, isDuplicateKeyError, maskReference, type Handlers, type RequestContext, type StudentContext, type StudentJoins } from '../runtime';

/** How long a tap waits for an earlier tap of the same bills to finish taking them, before it says 正在处理. */
const JOIN_WAIT_MS = 3_000;
const JOIN_POLL_MS = 100;
/**
 * An order still without all its bills this long after it was made has lost the call that made it
 * (a function runs for at most 20 s): a later tap of the same bills finishes taking them.
 */
const ABANDONED_AFTER_MS = 30_000;
/** Orders of one selection in one unchanged state tried in turn before a random number is drawn. */
const SAME_STATE_ORDERS = 20;

const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const base36Suffix = (bytes: Uint8Array): string => Array.from(bytes.subarray(0, 16), (byte) => BASE36[byte % 36]).join('');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The number of the order that these bills, as read, make: the same for every tap that read them
 * alike (selectionState). Past SAME_STATE_ORDERS earlier ones, a random one.
 */
function orderNumberFor(studentId: string, bills: readonly BillDoc[], earlierOrders: number, now: Date): string {
  if (earlierOrders >= SAME_STATE_ORDERS) return newOutTradeNo(now, base36Suffix(randomBytes(16)));
  const state = selectionState(studentId, bills, earlierOrders);
  return newOutTradeNo(state.changedAt, base36Suffix(createHash('sha256').update(state.text).digest()));
}

/** The signed-in student's order, or ORDER_NOT_FOUND (another student's order is not revealed). */
async function ownOrder(pc: PaymentContext, ctx: StudentContext, orderId: string): Promise<OrderDoc> {
  const { student } = ctx;
  const order = await pc.orders.findById(orderId);
  if (!order || order.studentId !== student.studentId) throw new AppError('ORDER_NOT_FOUND');
  return order;
}

const view = (ctx: RequestContext, order: OrderDoc) => orderView(order, ctx.now(), ctx.caller.openid ?? '', maskReference);

const underReview = (order: OrderDoc): AppError => new AppError('ORDER_UNDER_REVIEW', undefined, { orderId: order._id });

/** Payment parameters for an open order, to the WeChat account that may pay it. */
async function startPayment(pc: PaymentContext, ctx: RequestContext, order: OrderDoc): Promise<PayStart> {
  if (order.status === 'PAID') return { order: view(ctx, order), payment: null };
  if (order.review) throw underReview(order);
  if (order.status !== 'PENDING') throw new AppError('ORDER_NOT_PENDING');
  if (order.clientPaidAt) throw new AppError('ORDER_PROCESSING', undefined, { orderId: order._id });
  if (order.payerOpenid !== ctx.caller.openid) throw new AppError('ORDER_OTHER_PAYER', undefined, { orderId: order._id });
  const prepay = await ensurePayment(pc, order);
  switch (prepay.kind) {
    case 'ok':
      return { order: view(ctx, prepay.order), payment: prepay.payment };
    case 'paid':
      return { order: view(ctx, prepay.order), payment: null };
    case 'closed':
      // Cancelled (or superseded) while its payment was being prepared: its parameters are withheld.
      throw new AppError('ORDER_NOT_PENDING', undefined, { orderId: order._id });
    case 'review':
      throw underReview(prepay.order);
    case 'stale': {
      const retired = await retireOrder(pc, order, 'EXPIRED');
      if (retired.kind === 'paid') return { order: view(ctx, retired.order), payment: null };
      if (retired.kind === 'review') throw underReview(retired.order);
      if (retired.kind === 'busy') throw new AppError('ORDER_PROCESSING', undefined, { orderId: order._id });
      throw new AppError('ORDER_EXPIRED');
    }
    case 'rejected':
      throw new AppError('PAY_REJECTED');
    case 'unavailable':
      throw new AppError('PAY_UNAVAILABLE', undefined, { orderId: order._id });
  }
}

/**
 * Orders holding some of the requested bills: an open order of exactly these bills is resumed (a
 * double tap, a second device); one that can no longer be paid is ended; a stale hold left by an
 * interrupted close is released. Returns the order to resume, or null to go on creating one.
 */
async function settleHolders(pc: PaymentContext, billIds: readonly string[], orderIds: readonly string[], sameOrderId: string | null): Promise<OrderDoc | null> {
  const _ = commands(pc.db);
  const holders = await pc.orders.find({ _id: _.in([...orderIds]) }, { limit: orderIds.length });
  for (const holder of holders) {
    if (holder.status === 'PAID') {
      await markBillsPaid(pc, holder, true);
      throw new AppError('BILL_NOT_PAYABLE');
    }
    // WeChat's record of its payment disagrees with it: the bills stay with it until finance decides.
    if (holder.review && holder.status === 'PENDING') throw underReview(holder);
    if (holder.status !== 'PENDING') {
      await pc.store.releaseBills(holder._id, pc.now());
      continue;
    }
    if (!orderUsable(holder, pc.now())) {
      const retired = await retireOrder(pc, holder, 'EXPIRED');
      if (retired.kind === 'paid') throw new AppError('BILL_NOT_PAYABLE');
      if (retired.kind === 'review') throw underReview(retired.order);
      if (retired.kind === 'busy') throw new AppError('ORDER_PROCESSING', undefined, { orderId: holder._id });
      continue;
    }
    if (sameBills(holder, billIds)) {
      if (holder._id === sameOrderId) return holder;
      // Exactly these bills, some not taken yet: an earlier tap is taking them right now.
      return joinOrder(pc, holder);
    }
    throw new AppError('BILLS_IN_OPEN_ORDER', undefined, { orderId: holder._id });
  }
  return null;
}

const billsOf = (pc: PaymentContext, order: Pick<OrderDoc, 'billIds' | 'studentId'>): Promise<BillDoc[]> =>
  pc.bills.find({ _id: commands(pc.db).in(order.billIds), studentId: order.studentId }, { limit: order.billIds.length });

/**
 * An open order of exactly the requested bills that another tap has just made (a double tap, a
 * second device): it is the answer once it holds its bills. While the tap that made it is still
 * taking them, this one waits for a moment, then says 正在处理 (PAY_BUSY); an order whose maker has
 * been gone for long has its bills taken here, as they were when it was priced.
 */
async function joinOrder(pc: PaymentContext, order: OrderDoc): Promise<OrderDoc> {
  const giveUpAt = performance.now() + JOIN_WAIT_MS;
  for (;;) {
    const bills = await billsOf(pc, order);
    if (bills.length === order.billIds.length && bills.every((bill) => bill.orderId === order._id)) return order;
    // Some went elsewhere meanwhile (another selection, a payment, the office): that tap lost them.
    if (bills.length < order.billIds.length || bills.some((bill) => bill.status !== 'UNPAID' && bill.orderId !== order._id)) {
      throw new AppError('PAY_BUSY');
    }
    if (pc.now().getTime() - new Date(order.createdAt).getTime() >= ABANDONED_AFTER_MS) {
      const priced = billsAsPriced(order);
      await pc.store.takeBills(order, priced, pc.now());
      await settlePartialTake(pc, order, priced);
      return order;
    }
    if (performance.now() >= giveUpAt) throw new AppError('PAY_BUSY');
    await sleep(JOIN_POLL_MS);
  }
}

/**
 * The new order took fewer than all its bills: something else holds or changed some of them.
 * Returns when the order holds them all after all; otherwise closes it, gives back what it took
 * (also when it was closed already: a tap that comes back late to an order a later tap closed
 * must not leave its bills in 缴费中), and says why: a bill no longer as the order was priced
 * (BILLS_CHANGED: the student refreshes and pays what the bill says now), or another tap at work
 * on some of them (PAY_BUSY, never the false "your bills changed").
 */
async function settlePartialTake(pc: PaymentContext, order: OrderDoc, priced: readonly BillAsPriced[]): Promise<void> {
  const bills = await billsOf(pc, order);
  if (bills.length === order.billIds.length && bills.every((bill) => bill.orderId === order._id)) return;
  if (!(await closeLocally(pc, order, 'DUPLICATE', 'NONE')) && (await pc.orders.findById(order._id))?.status === 'CLOSED') {
    await pc.store.releaseBills(order._id, pc.now());
  }
  const changed = priced.some((asPriced) => {
    const now = bills.find((bill) => bill._id === asPriced._id);
    return !now || (now.status !== 'UNPAID' && now.status !== 'PAYING') || !stillAsPriced(now, asPriced);
  });
  throw new AppError(changed ? 'BILLS_CHANGED' : 'PAY_BUSY');
}

/**
 * A new order for these bills, which it takes: inserted under the number that the bills as read
 * make, so a double tap or a second device inserts the same order and, finding it there, joins it
 * (no lock, nothing to release). An earlier order of the same state that has ended moves on to the next number.
 */
async function placeOrder(pc: PaymentContext, ctx: StudentContext, bills: readonly BillDoc[], email: string, subscribed: boolean): Promise<OrderDoc> {
  const { student } = ctx;
  const now = ctx.now();
  for (let earlier = 0; ; earlier += 1) {
    const order = newOrder({
      id: orderNumberFor(student.studentId, bills, earlier, now),
      studentId: student.studentId,
      studentNo: bills[0]?.studentNo ?? '',
      payerOpenid: student.openid,
      bills,
      // Kept on the order: used for the receipt, and offered on the page next time.
      email,
      notifyOnPaid: subscribed,
      nonceStr: randomBytes(16).toString('hex'),
      now,
    });
    try {
      await pc.store.insertOrder(order);
    } catch (error) {
      if (!isDuplicateKeyError(error) || earlier >= SAME_STATE_ORDERS) throw error;
      const existing = await pc.orders.findById(order._id);
      if (existing && existing.status === 'PENDING' && sameBills(existing, order.billIds)) return joinOrder(pc, existing);
      continue;
    }
    // A bill is in at most one open order, and is paid at the amount the order charges: only those
    // still unpaid, in no order and as they were read are taken.
    const priced = billsAsPriced(order, bills);
    const taken = await pc.store.takeBills(order, priced, now);
    if (taken !== order.billIds.length) await settlePartialTake(pc, order, priced);
    ctx.log.info('order created', { orderId: order._id, bills: order.billIds.length, total: order.total });
    return order;
  }
}

/**
 * The school's fee rules for one order (payabilityProblems), in the words the student reads. A bill
 * held by a closed order under review (`heldForReview`) counts as being paid, as an open order's
 * bill does: it is not 待缴费 until 计划财务处 decides.
 */
async function assertFeeRules(ctx: StudentContext, chosen: readonly BillDoc[], found: readonly BillDoc[], heldForReview: ReadonlySet<string>): Promise<void> {
  const now = ctx.now();
  // Named in the order 待缴费 lists them: by deadline, the larger amount first.
  const unpaid = found
    .filter((bill) => bill.status === 'UNPAID' && !heldForReview.has(bill._id))
    .sort((a, b) => new Date(a.deadline).getTime() - new Date(b.deadline).getTime() || b.amount - a.amount);
  // The catalogue matters only for an overdue bill (whether its item still takes payments), chosen
  // or an unpaid mandatory one (closed, it does not hold the term's optional bills back).
  const overdue = (bill: BillDoc): boolean => new Date(bill.deadline).getTime() < now.getTime();
  const catalogue = chosen.some(overdue) || unpaid.some(overdue) ? await feeItemCatalogue(ctx.db, now) : [];
  const [problem] = payabilityProblems(chosen, unpaid, catalogue, now);
  if (!problem) return;
  if (problem.kind === 'MANDATORY_FIRST') {
    throw new AppError('PAY_MANDATORY_FIRST', `请先缴纳 ${termLabel(problem.term)} 的必缴项目（${problem.mandatoryItems.join('、')}），或与选缴项目一并勾选`);
  }
  throw new AppError('PAY_ITEM_CLOSED', `${problem.itemName}已过缴费截止日期，不能再在线缴费，请联系计划财务处收费管理科`);
}

/**
 * 立即支付 reads the chosen bills and, for the fee rules, the student's unpaid mandatory ones in the
 * same request as the session; with them, the student's closed orders set aside for review, which
 * still hold their bills (closedOrdersUnderReview).
 */
export const payStudentJoins: StudentJoins<typeof payContract> = {
  create: (request) => [
    {
      from: 'bills',
      foreignField: 'studentId',
      keep: { $or: [{ $in: ['$$doc._id', [...request.billIds]] }, { $and: [{ $eq: ['$$doc.status', 'UNPAID'] }, { $eq: ['$$doc.mandatory', true] }] }] },
    },
    {
      from: 'orders',
      foreignField: 'studentId',
      keep: { $and: [{ $eq: ['$$doc.status', 'CLOSED'] }, { $ne: [{ $ifNull: ['$$doc.review', null] }, null] }] },
    },
  ],
};

export const payHandlers: Handlers<typeof payContract> = {
  async create(request, ctx) {
    const { student } = ctx;
    const pc = paymentContextOf(ctx);
    const email = normalizeEmail(request.email);
    if (!email) throw new AppError('EMAIL_INVALID');
    // Read with the session (payStudentJoins): the chosen bills, the student's unpaid mandatory ones
    // and closed orders set aside for review.
    const found = student.joined.bills;
    const setAside = student.joined.orders;
    if (!found || !setAside) throw new Error('pay.create runs with its bills and closed orders under review joined to the session');
    const selection = selectBills(request.billIds, found, student.studentId);
    if (selection.kind === 'missing') throw new AppError('BILL_NOT_FOUND');
    if (selection.kind === 'not-payable') throw new AppError('BILL_NOT_PAYABLE');
    // A chosen bill held by a closed order under review may have been paid through it: refused as
    // that order, whose notice the student sees under 缴费中.
    const underReviewNow = await closedOrdersUnderReview(ctx.db, setAside);
    const holding = underReviewNow.find((order) => order.billIds.some((id) => request.billIds.includes(id)));
    if (holding) throw underReview(holding);
    if (selection.kind === 'in-open-order') {
      const open = await settleHolders(pc, request.billIds, selection.orderIds, selection.sameOrderId);
      if (open) return startPayment(pc, ctx, open);
    }
    const bills = request.billIds.map((id) => found.find((bill) => bill._id === id)!);
    await assertFeeRules(ctx, bills, found, new Set(underReviewNow.flatMap((order) => order.billIds)));
    return startPayment(pc, ctx, await placeOrder(pc, ctx, bills, email, request.subscribed === true));
  },

  async resume(request, ctx) {
    const pc = paymentContextOf(ctx);
    const order = await ownOrder(pc, ctx, request.orderId);
    if (order.review && order.status === 'PENDING') throw underReview(order);
    if (order.status === 'PENDING' && !order.clientPaidAt && order.payerOpenid === ctx.caller.openid && !orderUsable(order, ctx.now())) {
      const retired = await retireOrder(pc, order, 'EXPIRED');
      if (retired.kind === 'paid') return { order: view(ctx, retired.order), payment: null };
      if (retired.kind === 'busy') throw new AppError('ORDER_PROCESSING');
      if (retired.kind === 'review') throw underReview(retired.order);
      throw new AppError('ORDER_EXPIRED');
    }
    if (order.status === 'PENDING' && order.payment && !order.clientPaidAt && order.payerOpenid === ctx.caller.openid) {
      // These parameters were handed out before: the pay sheet may have gone through (the page
      // killed before it could say so). Ask WeChat before offering them again.
      const { query, outcome } = await syncWithWechat(pc, order);
      if (outcome) {
        if (!isPaidOutcome(outcome)) throw underReview(outcome.order);
        return { order: view(ctx, outcome.order), payment: null };
      }
      if (query.kind === 'found' && query.tradeState === 'USERPAYING') throw new AppError('ORDER_PROCESSING', undefined, { orderId: order._id });
      if (query.kind === 'found' && (query.tradeState === 'CLOSED' || query.tradeState === 'REVOKED')) {
        const retired = await retireOrder(pc, order, 'EXPIRED', query);
        if (retired.kind === 'paid') return { order: view(ctx, retired.order), payment: null };
        throw new AppError('ORDER_EXPIRED');
      }
      // NOTPAY (or WeChat could not be asked: paying the same prepay twice is refused by WeChat itself).
    }
    return startPayment(pc, ctx, order);
  },

  async sync(request, ctx) {
    const pc = paymentContextOf(ctx);
    let order = await ownOrder(pc, ctx, request.orderId);
    if (request.afterPayment && order.status === 'PENDING' && !order.clientPaidAt) {
      const at = ctx.now();
      // Never offered for payment again; the sweep looks at it soon. Idempotent: the page sends it
      // on every check after its pay sheet said yes.
      await pc.store.markPaySheetDone(order._id, at);
      order = { ...order, clientPaidAt: at };
    }
    const mayBePaid = !order.review && (order.status === 'PENDING' || (order.status === 'CLOSED' && order.wxClose !== 'DONE'));
    if (mayBePaid) {
      const { query, outcome } = await syncWithWechat(pc, order);
      if (outcome) order = outcome.order;
      else if (order.status === 'PENDING' && query.kind === 'found' && query.tradeState === 'NOTPAY' && isExpired(order, ctx.now())) {
        const retired = await retireOrder(pc, order, 'EXPIRED', query);
        order = retired.order;
      }
    }
    return { order: view(ctx, order) };
  },

  async cancel(request, ctx) {
    const pc = paymentContextOf(ctx);
    const order = await ownOrder(pc, ctx, request.orderId);
    if (order.status === 'PAID' || order.status === 'REFUNDING' || order.status === 'REFUNDED') {
      return { order: view(ctx, order), outcome: 'PAID' };
    }
    if (order.review) throw underReview(order);
    if (order.status === 'CLOSED') return { order: view(ctx, order), outcome: 'CANCELLED' };
    const retired = await retireOrder(pc, order, 'CANCELLED');
    if (retired.kind === 'busy') throw new AppError('ORDER_PROCESSING');
    if (retired.kind === 'review') throw underReview(retired.order);
    if (retired.kind === 'paid' || retired.order.status === 'PAID') return { order: view(ctx, retired.order), outcome: 'PAID' };
    ctx.log.info('order cancelled', { orderId: order._id });
    return { order: view(ctx, retired.order), outcome: 'CANCELLED' };
  },
};
