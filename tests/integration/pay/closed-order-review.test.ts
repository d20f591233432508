/**
 * A payment that still arrives for an order the student cancelled, and that WeChat reports
 * differently from the order: the order is set aside for 计划财务处. Until the office decides, the
 * student sees it under 缴费中 with the 待核实 notice, and its bills cannot be paid a second time;
 * once the office closes the case, they can.
 */
import type { BillsOverview, ConsoleCase, OrderView, PayStart } from '../../../cloudfunctions/shared/billing/contract';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { BillDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { REVIEW_NOTICE } from '../../../cloudfunctions/shared/billing/views';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { fen } from '../../../cloudfunctions/shared/kernel/money';
import { cloudPaySandboxOf, type CloudPaySandbox } from '../../../local/wechat-pay';
import { readOrders } from '../../support/billing-fixtures';
import { data, openOrderIn, startConsoleCloud, type ConsoleCloud, type OrderIn } from '../admin/support';

let c: ConsoleCloud;
let sandbox: CloudPaySandbox;
let reviewer: string;
beforeAll(async () => {
  c = await startConsoleCloud();
  sandbox = cloudPaySandboxOf(c.running.cloud);
  reviewer = await c.signInAs('reviewer');
});
afterAll(async () => c.stop());
afterEach(() => sandbox.resetControls());

const student = <T>(order: OrderIn, action: string, payload: Record<string, unknown> = {}): Promise<ApiResult<T>> =>
  c.running.cloud.invoke(action === 'overview' ? 'bills' : 'pay', { action, ...payload }, { openid: order.student.openid }) as Promise<ApiResult<T>>;

function ok<T>(result: ApiResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.message}`);
  return result.data;
}

const overviewOf = async (order: OrderIn): Promise<BillsOverview> => ok(await student<BillsOverview>(order, 'overview'));
const payNow = (order: OrderIn, billIds: readonly string[]) => student<PayStart>(order, 'create', { billIds: [...billIds], email: 'student@example.com' });

/**
 * The student cancels an order, but the pay sheet still open goes through; WeChat's record of the
 * payment has another amount. The page's check after the pay sheet learns it.
 */
async function cancelledThenPaidDifferently(billCount: number): Promise<OrderIn & { synced: OrderView }> {
  const placed = await openOrderIn(c, billCount);
  expect(ok(await student<{ outcome: string }>(placed, 'cancel', { orderId: placed.orderId })).outcome).toBe('CANCELLED');
  sandbox.dropNextCallbacks();
  await sandbox.pay(placed.orderId, { openid: placed.student.openid });
  sandbox.alterOrder(placed.orderId, { totalFee: 1 });
  const synced = ok(await student<{ order: OrderView }>(placed, 'sync', { orderId: placed.orderId, afterPayment: true })).order;
  return { ...placed, synced };
}

test('a cancelled order set aside for review is listed under 缴费中 with the 待核实 notice, its bills not offered under 待缴费', async () => {
  const order = await cancelledThenPaidDifferently(2);
  expect(order.synced).toMatchObject({ status: 'CLOSED', underReview: true, notice: REVIEW_NOTICE });

  const overview = await overviewOf(order);
  expect(overview.paying.map((one) => [one.id, one.underReview, one.notice, one.canResume, one.canCancel])).toEqual([[order.orderId, true, REVIEW_NOTICE, false, false]]);
  expect(overview.done.map((one) => one.id)).not.toContain(order.orderId);
  expect(overview.unpaid.map((bill) => bill.id)).toEqual([]);
});

test('立即支付 refuses the bills of a cancelled order under review, whichever of them are chosen, and starts no payment', async () => {
  const order = await cancelledThenPaidDifferently(2);
  const billIds = order.bills.map((bill) => bill._id);
  const ordersBefore = (await readOrders(c.running.cloud, order.student.studentId)).length;

  expect(await payNow(order, billIds)).toMatchObject({ ok: false, code: 'ORDER_UNDER_REVIEW', message: expect.stringContaining('计划财务处') });
  expect(await payNow(order, [billIds[1]!])).toMatchObject({ ok: false, code: 'ORDER_UNDER_REVIEW' });
  expect(await readOrders(c.running.cloud, order.student.studentId)).toHaveLength(ordersBefore);
});

test('a bill outside the order under review is still payable, even an optional one while the order holds the term’s mandatory bills', async () => {
  const order = await cancelledThenPaidDifferently(2);
  const optional: BillDoc = {
    ...order.bills[0]!,
    _id: `${order.bills[0]!._id}-optional`,
    itemCode: 'BXF',
    itemName: '保险费',
    amount: fen(15000),
    mandatory: false,
  };
  await collection(c.running.cloud.sdkDatabase(), 'bills').insert(optional);

  expect((await overviewOf(order)).unpaid.map((bill) => bill.id)).toEqual([optional._id]);
  const started = ok(await payNow(order, [optional._id]));
  expect(started.order).toMatchObject({ status: 'PENDING', total: 15000 });
  expect(started.payment).not.toBeNull();
});

test('once 计划财务处 closes the case, the order leaves 缴费中 and its bills can be paid again', async () => {
  const order = await cancelledThenPaidDifferently(2);
  const billIds = order.bills.map((bill) => bill._id);
  expect(await payNow(order, billIds)).toMatchObject({ ok: false, code: 'ORDER_UNDER_REVIEW' });

  const caseId = `order:${order.orderId}:AMOUNT_MISMATCH`;
  const closed = await c.api<ConsoleCase>('resolveCase', { caseId, resolution: 'close', reason: '已在商户平台将 0.01 元原路退回学生' }, { token: reviewer });
  expect(data(closed)).toMatchObject({ state: 'RESOLVED' });

  const overview = await overviewOf(order);
  expect(overview.paying).toEqual([]);
  expect(overview.unpaid.map((bill) => bill.id).sort()).toEqual([...billIds].sort());
  const again = ok(await payNow(order, billIds));
  expect(again.order.id).not.toBe(order.orderId);
  expect(again.order).toMatchObject({ status: 'PENDING', total: order.total });
});
