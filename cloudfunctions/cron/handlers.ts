import type { cronContract, ReconcileReport, SweepReport } from '../shared/contracts/cron';
import { isExpired, nextCheckDelayMs, previousShanghaiDay } from '../shared/domain/billing';
import type { OrderDoc } from '../shared/domain/records';
import { parseStatement } from '../shared/domain/statement';
import { paymentContextOf, type PaymentContext } from '../shared/payments/context';
import { closeLocally, confirmPayment, finishWechatClose, progressRefund, retireOrder, syncWithWechat } from '../shared/payments/orders';
import { collection, commands, type Handlers } from '../shared/runtime';

/** Orders looked at per kind and run; the rest wait for the next minute. */
const BATCH = 50;
/** Orders handled at once (each is a few cloudPay calls). */
const PARALLEL = 5;

async function inBatches<T>(items: readonly T[], run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL) await Promise.all(items.slice(i, i + PARALLEL).map(run));
}

/** An open order: paid at WeChat (a lost callback)? expired? or look again later (backing off). */
async function checkOpenOrder(pc: PaymentContext, order: OrderDoc, report: SweepReport): Promise<void> {
  report.checked += 1;
  const { query, outcome } = await syncWithWechat(pc, order);
  if (outcome) {
    report.paid += 1;
    return;
  }
  const now = pc.now();
  if (isExpired(order, now)) {
    if (query.kind === 'not-found') {
      if (await closeLocally(pc, order, 'EXPIRED', 'NONE')) report.closed += 1;
      return;
    }
    if (query.kind === 'found' && query.tradeState !== 'USERPAYING') {
      const retired = await retireOrder(pc, order, 'EXPIRED');
      if (retired.kind === 'paid') report.paid += 1;
      else if (retired.kind === 'closed') report.closed += 1;
      else report.deferred += 1;
      return;
    }
  }
  if (query.kind === 'found' && (query.tradeState === 'CLOSED' || query.tradeState === 'REVOKED')) {
    if (await closeLocally(pc, order, 'EXPIRED', 'DONE')) report.closed += 1;
    return;
  }
  const attempts = (order.checkAttempts ?? 0) + 1;
  const next = Math.min(now.getTime() + nextCheckDelayMs(attempts), Math.max(new Date(order.expiresAt).getTime(), now.getTime() + 30_000));
  await pc.orders.updateWhere({ _id: order._id, status: 'PENDING' }, { nextCheckAt: new Date(next), checkAttempts: attempts });
  report.deferred += 1;
}

export const cronHandlers: Handlers<typeof cronContract> = {
  async sweep(_request, ctx) {
    const pc = paymentContextOf(ctx);
    const _ = commands(ctx.db);
    const now = ctx.now();
    const report: SweepReport = { checked: 0, paid: 0, closed: 0, wechatClosed: 0, refunded: 0, deferred: 0 };

    // Open orders that are due, most recent first.
    const open = await pc.orders.find({ status: 'PENDING', nextCheckAt: _.lte(now) }, { orderBy: [['createdAt', 'desc']], limit: BATCH });
    await inBatches(open, (order) => checkOpenOrder(pc, order, report));

    // Closed here within WeChat's 5 minutes: close there too, or apply a payment that got through.
    const closing = await pc.orders.find({ status: 'CLOSED', wxClose: 'NEEDED', nextCheckAt: _.lte(now) }, { orderBy: [['nextCheckAt', 'asc']], limit: BATCH });
    await inBatches(closing, async (order) => {
      const result = await finishWechatClose(pc, order);
      if (result === 'closed') report.wechatClosed += 1;
      else if (result === 'paid') report.paid += 1;
      else report.deferred += 1;
    });

    // Second payments being refunded.
    const refunding = await pc.orders.find({ status: 'REFUNDING', nextCheckAt: _.lte(now) }, { orderBy: [['nextCheckAt', 'asc']], limit: BATCH });
    await inBatches(refunding, async (order) => {
      const result = await progressRefund(pc, order);
      if (result === 'refunded') report.refunded += 1;
      else report.deferred += 1;
    });

    if (report.checked + report.wechatClosed + report.refunded + report.deferred > 0) ctx.log.info('sweep', { ...report });
    return report;
  },

  async reconcile(_request, ctx) {
    const pc = paymentContextOf(ctx);
    const _ = commands(ctx.db);
    const billDate = previousShanghaiDay(ctx.now());
    const report: ReconcileReport = { billDate, rows: 0, repaired: 0, mismatches: 0, available: false };
    const statement = await pc.pay.downloadBill(billDate, 'ALL');
    if (statement.kind !== 'ok') {
      ctx.log.info('no statement', { billDate, reason: statement.kind === 'none' ? statement.description : statement.error });
      return report;
    }
    report.available = true;
    const rows = parseStatement(statement.text);
    report.rows = rows.length;
    const payments = rows.filter((row) => row.tradeState === 'SUCCESS');
    const problems: { outTradeNo: string; problem: string }[] = [];
    for (let i = 0; i < payments.length; i += 500) {
      const chunk = payments.slice(i, i + 500);
      const orders = await pc.orders.find({ _id: _.in(chunk.map((row) => row.outTradeNo)) }, { limit: chunk.length });
      const byId = new Map(orders.map((order) => [order._id, order]));
      for (const row of chunk) {
        const order = byId.get(row.outTradeNo);
        if (!order) {
          problems.push({ outTradeNo: row.outTradeNo, problem: 'WeChat has a payment for an order unknown here' });
          continue;
        }
        if (order.status === 'PENDING' || order.status === 'CLOSED') {
          const outcome = await confirmPayment(
            pc,
            order._id,
            { outTradeNo: row.outTradeNo, transactionId: row.transactionId, totalFee: row.orderFee, subMchId: row.subMchId, paidAt: ctx.now() },
            'reconcile',
          );
          if (outcome.kind === 'mismatch') problems.push({ outTradeNo: row.outTradeNo, problem: outcome.note });
          else report.repaired += 1;
          continue;
        }
        if (order.transactionId !== row.transactionId || order.total !== row.orderFee) {
          problems.push({ outTradeNo: row.outTradeNo, problem: 'transaction or amount differs from the order' });
        }
      }
    }
    report.mismatches = problems.length;
    await collection<{ _id: string; at: Date; actor: string; action: string; details: Record<string, unknown> }>(ctx.db, 'auditLog').insert({
      at: ctx.now(),
      actor: 'cron',
      action: 'pay.reconcile',
      details: { ...report, problems: problems.slice(0, 100) },
    });
    if (problems.length > 0) ctx.log.error('reconciliation found differences', { billDate, count: problems.length });
    return report;
  },
};
