import { randomBytes } from 'node:crypto';
import type { payContract, PayStart } from './contract';
import { isExpired, newOrder, newOutTradeNo, orderUsable, sameBills, selectBills } from './domain/billing';
import type { OrderDoc } from './domain/records';
import { orderView } from './views';
import { normalizeEmail } from '../kernel/email';
import { paymentContextOf, type PaymentContext } from './context';
import { LockBusyError, takeLock, type HeldLock } from './lock';
import { closeLocally, ensurePayment, isPaidOutcome, markBillsPaid, retireOrder, syncWithWechat } from './orders';
import { AppError, commands, maskReference, type Handlers, type RequestContext, type StudentContext } from '../runtime';

const randomSuffix = (): string =>
  Array.from(randomBytes(12), (byte) => '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[byte % 36]).join('');

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
    if (holder._id === sameOrderId && sameBills(holder, billIds)) return holder;
    throw new AppError('BILLS_IN_OPEN_ORDER', undefined, { orderId: holder._id });
  }
  return null;
}

export const payHandlers: Handlers<typeof payContract> = {
  async create(request, ctx) {
    const { student } = ctx;
    const pc = paymentContextOf(ctx);
    const _ = commands(ctx.db);
    const email = normalizeEmail(request.email);
    if (!email) throw new AppError('EMAIL_INVALID');

    // One creation per student at a time: the database updates each bill on its own, so two devices
    // taking the same bills at once could each take some. Whoever waits for the lock then finds the
    // bills in the winner's open order and gets that order back.
    let lock: HeldLock;
    try {
      lock = await takeLock(ctx.db, ctx.now, `pay.create:${student.studentId}`);
    } catch (error) {
      if (!(error instanceof LockBusyError)) throw error;
      // Still busy with an earlier tap: its order, if it is already there, is the answer.
      const pending = await pc.orders.find({ studentId: student.studentId, status: 'PENDING' }, { limit: 20 });
      const open = pending.find((order) => sameBills(order, request.billIds));
      if (open) return startPayment(pc, ctx, open);
      throw new AppError('PAY_BUSY');
    }
    let order: OrderDoc;
    try {
      const found = await pc.bills.find({ _id: _.in(request.billIds), studentId: student.studentId }, { limit: request.billIds.length });
      const selection = selectBills(request.billIds, found, student.studentId);
      if (selection.kind === 'missing') throw new AppError('BILL_NOT_FOUND');
      if (selection.kind === 'not-payable') throw new AppError('BILL_NOT_PAYABLE');
      const open = selection.kind === 'in-open-order' ? await settleHolders(pc, request.billIds, selection.orderIds, selection.sameOrderId) : null;
      if (open) {
        order = open;
      } else {
        // Kept on the order: used for the receipt, and offered on the page next time.
        const now = ctx.now();
        order = newOrder({
          id: newOutTradeNo(now, randomSuffix()),
          studentId: student.studentId,
          studentNo: found[0]?.studentNo ?? '',
          payerOpenid: student.openid,
          bills: request.billIds.map((id) => found.find((bill) => bill._id === id)!),
          email,
          notifyOnPaid: request.subscribed === true,
          nonceStr: randomBytes(16).toString('hex'),
          now,
        });
        await pc.store.insertOrder(order);
        // A bill is in at most one open order: only those still unpaid and in no order are taken.
        const taken = await pc.store.takeBills(order, now);
        if (taken !== order.billIds.length) {
          // A bill changed under us (paid by a late payment, voided): give back what was taken.
          await closeLocally(pc, order, 'DUPLICATE', 'NONE');
          throw new AppError('BILLS_CHANGED');
        }
        ctx.log.info('order created', { orderId: order._id, bills: order.billIds.length, total: order.total });
      }
    } finally {
      await lock.release();
    }
    return startPayment(pc, ctx, order);
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
