import type { billsContract, BillView, OrderView } from './contract';
import { billView, orderView } from './views';
import { feeItemCatalogue } from './fee-item-catalogue';
import type { OrderDoc, OrderStatus } from './domain/records';
import { closedOrdersUnderReview } from './review-holds';
import { billingReads, studentBillingView } from './store';
import { AppError, maskReference, type Handlers } from '../runtime';

/** Orders shown (newest first); every bill is shown, however many. */
const MAX_ORDERS = 100;
/**
 * 缴费中 and 已完成. A closed order is read too, and shown (under 缴费中) only while it is set aside
 * for review: it holds its bills until then.
 */
const LISTED_STATUSES: readonly OrderStatus[] = ['PENDING', 'PAID', 'REFUNDING', 'REFUNDED', 'CLOSED'];

const newestFirst = (a: OrderDoc, b: OrderDoc): number => new Date(b.createdAt).getTime() - new Date(a.createdAt).getTime() || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);

const byTermThenDeadline = (a: BillView, b: BillView): number =>
  a.term.localeCompare(b.term) || Number(b.mandatory) - Number(a.mandatory) || a.deadline.localeCompare(b.deadline) || b.amount - a.amount || a.itemCode.localeCompare(b.itemCode);

export const billsHandlers: Handlers<typeof billsContract> = {
  async overview(_request, ctx) {
    const { student } = ctx;
    const now = ctx.now();
    const viewer = ctx.caller.openid ?? '';
    // One read whatever the number of bills: the bills and their orders. Who pays and the address
    // on record were read with the session, bills or none.
    const view = await studentBillingView(ctx.db, student.studentId, LISTED_STATUSES);
    const bills = view?.bills ?? [];
    const heldForReview = await closedOrdersUnderReview(ctx.db, view?.orders ?? []);
    const reviewed = new Set(heldForReview.map((order) => order._id));
    const heldBills = new Set(heldForReview.flatMap((order) => order.billIds));
    const all = (view?.orders ?? []).filter((order) => order.status !== 'CLOSED' || reviewed.has(order._id)).sort(newestFirst);
    const orders = all.slice(0, MAX_ORDERS);
    // The address the student last paid with is on their newest order; before any, the one on record.
    const email = orders.find((order) => order.email)?.email ?? student.record.email;
    const { name, idMasked, studentNo } = student.record;
    const open = new Set(all.filter((order) => order.status === 'PENDING').map((order) => order._id));
    const paidBy = new Set(all.filter((order) => order.status === 'PAID').map((order) => order._id));
    // A bill still marked as being paid by an order that is no longer open (an interrupted close)
    // is payable again; pay.create finishes the release. One held by a closed order under review is
    // shown in that order, as an open order's bills are.
    const owed = bills
      .filter((bill) => !heldBills.has(bill._id))
      .filter((bill) => bill.status === 'UNPAID' || (bill.status === 'PAYING' && !open.has(bill.orderId ?? '') && !paidBy.has(bill.orderId ?? '')))
      .map((bill) => ({ ...bill, status: 'UNPAID' as const }));
    // The fee items matter only for an overdue bill (whether its item still takes payments).
    const catalogue = owed.some((bill) => new Date(bill.deadline).getTime() < now.getTime()) ? await feeItemCatalogue(ctx.db, now) : [];
    const unpaid = owed.map((bill) => billView(bill, now, catalogue)).sort(byTermThenDeadline);
    const views: OrderView[] = orders.map((order) => orderView(order, now, viewer, maskReference));
    return {
      payer: { name, idMasked, studentNo },
      unpaid,
      paying: views.filter((order) => order.status === 'PENDING' || order.status === 'CLOSED'),
      done: views.filter((order) => order.status !== 'PENDING' && order.status !== 'CLOSED'),
      email,
      serverTime: now.toISOString(),
    };
  },

  async order(request, ctx) {
    const { student } = ctx;
    const order = await billingReads(ctx.db).orders.findById(request.orderId);
    if (!order || order.studentId !== student.studentId) throw new AppError('ORDER_NOT_FOUND');
    return { order: orderView(order, ctx.now(), ctx.caller.openid ?? '', maskReference) };
  },
};
