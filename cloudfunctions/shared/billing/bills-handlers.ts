import type { billsContract, BillView, OrderView } from './contract';
import { billView, orderView } from './views';
import { mayHaveOrdersToList } from './domain/billing';
import type { OrderDoc } from './domain/records';
import { billingReads } from './store';
import { rememberedEmail } from '../students';
import { AppError, commands, maskReference, type Handlers } from '../runtime';

/** Orders shown (newest first); every bill is shown, however many. */
const MAX_ORDERS = 100;

const byTermThenDeadline = (a: BillView, b: BillView): number =>
  a.term.localeCompare(b.term) || Number(b.mandatory) - Number(a.mandatory) || a.deadline.localeCompare(b.deadline) || b.amount - a.amount || a.itemCode.localeCompare(b.itemCode);

export const billsHandlers: Handlers<typeof billsContract> = {
  async overview(_request, ctx) {
    const { student } = ctx;
    const _ = commands(ctx.db);
    const now = ctx.now();
    const viewer = ctx.caller.openid ?? '';
    const read = billingReads(ctx.db);
    // Two reads whatever the number of bills, up to a thousand of them (then one more per thousand):
    // the bills, then the orders if any bill says there are some, or else the address on record.
    const bills = await read.bills.findAll({ studentId: student.studentId });
    const orders: OrderDoc[] = mayHaveOrdersToList(bills)
      ? await read.orders.find(
          { studentId: student.studentId, status: _.in(['PENDING', 'PAID', 'REFUNDING', 'REFUNDED']) },
          { orderBy: [['createdAt', 'desc']], limit: MAX_ORDERS },
        )
      : [];
    // The address the student last paid with is on their newest order; before any, the one on record.
    const email = orders.find((order) => order.email)?.email ?? (await rememberedEmail(ctx.db, student.studentId));
    const open = new Set(orders.filter((order) => order.status === 'PENDING').map((order) => order._id));
    const paidBy = new Set(orders.filter((order) => order.status === 'PAID').map((order) => order._id));
    // A bill still marked as being paid by an order that is no longer open (an interrupted close)
    // is payable again; pay.create finishes the release.
    const unpaid = bills
      .filter((bill) => bill.status === 'UNPAID' || (bill.status === 'PAYING' && !open.has(bill.orderId ?? '') && !paidBy.has(bill.orderId ?? '')))
      .map((bill) => ({ ...billView(bill, now), status: 'UNPAID' as const }))
      .sort(byTermThenDeadline);
    const views: OrderView[] = orders.map((order) => orderView(order, now, viewer, maskReference));
    return {
      unpaid,
      paying: views.filter((order) => order.status === 'PENDING'),
      done: views.filter((order) => order.status !== 'PENDING'),
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
