/**
 * Bills in the finance console: search and detail (any role), and the changes a 收费员 makes to
 * an unpaid bill in no order (adjust the amount, 减免, 作废), each with a reason that the runtime
 * writes to the audit log with the bill before and after.
 */
import { AppError, commands, maskReference, type ConsoleContext, type Handlers } from '../runtime';
import { fen } from '../kernel/money';
import type { billingConsoleContract, BillDetail, BillPage, ConsoleBill, FeeItemView } from './contract';
import { billQuery, consoleBillOf, type BillFilterInput } from './console-views';
import type { FeeItemDoc } from './domain/bill-row';
import type { BillDoc } from './domain/records';
import { billingReads, billingStore } from './store';
import { dashboard } from './dashboard';
import { forgetFeeItemCatalogue } from './fee-item-catalogue';
import { exportPage, startExport } from './exports';
import { approveRefund, listRefunds, rejectRefund, requestRefund } from './refund-requests';
import { caseDetail, listCases, requestCaseRefund, resolveCase } from './review-cases';
import { reconciliationDays, rerunReconciliation } from './reconciliation-console';

export async function searchBills(request: BillFilterInput & { page: number; pageSize: number }, ctx: ConsoleContext): Promise<BillPage> {
  const read = billingReads(ctx.db);
  const where = billQuery(request, commands(ctx.db));
  const [items, total] = await Promise.all([
    read.bills.find(where, { orderBy: [['studentNo', 'asc'], ['term', 'asc'], ['itemCode', 'asc']], skip: (request.page - 1) * request.pageSize, limit: request.pageSize }),
    read.bills.count(where),
  ]);
  const now = ctx.now();
  return { items: items.map((bill) => consoleBillOf(bill, now)), total };
}

async function billOrFail(ctx: ConsoleContext, billId: string): Promise<BillDoc> {
  const bill = await billingReads(ctx.db).bills.findById(billId);
  if (!bill) throw new AppError('NOT_FOUND', '账单不存在');
  return bill;
}

export async function billDetail(request: { billId: string }, ctx: ConsoleContext): Promise<BillDetail> {
  const bill = await billOrFail(ctx, request.billId);
  const orders = await billingReads(ctx.db).orders.find({ billIds: bill._id }, { orderBy: [['createdAt', 'desc']], limit: 50 });
  return {
    bill: consoleBillOf(bill, ctx.now()),
    orders: orders.map((order) => ({
      orderId: order._id,
      outTradeNo: order.outTradeNo,
      status: order.status,
      total: order.total,
      createdAt: new Date(order.createdAt).toISOString(),
      paidAt: order.paidAt ? new Date(order.paidAt).toISOString() : null,
      transactionId: order.transactionId ? maskReference(order.transactionId) : null,
      refunded: order.refundSummary?.refunded ?? 0,
    })),
  };
}

/** Why a bill cannot be changed now, in the words the office reads. */
function refuseChange(bill: BillDoc): never {
  if (bill.status === 'PAYING' || bill.orderId) throw new AppError('BILL_IN_OPEN_ORDER');
  if (bill.status !== 'UNPAID') throw new AppError('BILL_NOT_CHANGEABLE');
  throw new AppError('BILL_CHANGED');
}

const auditView = (bill: Pick<BillDoc, 'amount' | 'status'>) => ({ amount: bill.amount, status: bill.status });

export async function adjustBill(request: { billId: string; amount: number; reason: string }, ctx: ConsoleContext): Promise<ConsoleBill> {
  const bill = await billOrFail(ctx, request.billId);
  if (bill.status !== 'UNPAID' || bill.orderId) refuseChange(bill);
  const amount = fen(request.amount);
  if (amount === bill.amount) return consoleBillOf(bill, ctx.now());
  const at = ctx.now();
  if (!(await billingStore(ctx.db).adjustUnpaidBill(bill, amount, at))) refuseChange((await billOrFail(ctx, bill._id)));
  const after: BillDoc = { ...bill, amount, originalAmount: bill.originalAmount ?? bill.amount, updatedAt: at };
  ctx.audit.record({ target: `bill:${bill._id}`, before: auditView(bill), after: auditView(after) });
  return consoleBillOf(after, at);
}

async function closeBill(request: { billId: string }, ctx: ConsoleContext, to: 'WAIVED' | 'VOID'): Promise<ConsoleBill> {
  const bill = await billOrFail(ctx, request.billId);
  if (bill.status !== 'UNPAID' || bill.orderId) refuseChange(bill);
  const at = ctx.now();
  if (!(await billingStore(ctx.db).closeUnpaidBill(bill._id, to, at))) refuseChange(await billOrFail(ctx, bill._id));
  const after: BillDoc = { ...bill, status: to, updatedAt: at };
  ctx.audit.record({ target: `bill:${bill._id}`, before: auditView(bill), after: auditView(after) });
  return consoleBillOf(after, at);
}

export const waiveBill = (request: { billId: string; reason: string }, ctx: ConsoleContext) => closeBill(request, ctx, 'WAIVED');
export const voidBill = (request: { billId: string; reason: string }, ctx: ConsoleContext) => closeBill(request, ctx, 'VOID');

const feeItemView = (item: FeeItemDoc): FeeItemView => ({
  code: item._id,
  name: item.name,
  mandatory: item.mandatory,
  payableAfterDeadline: item.payableAfterDeadline,
  active: item.active,
  sortOrder: item.sortOrder,
});

export async function listFeeItems(_request: Record<string, never>, ctx: ConsoleContext): Promise<{ items: FeeItemView[] }> {
  const items = await billingReads(ctx.db).feeItems.find({}, { orderBy: [['sortOrder', 'asc']], limit: 1000 });
  return { items: items.map(feeItemView) };
}

export async function saveFeeItem(request: FeeItemView, ctx: ConsoleContext): Promise<FeeItemView> {
  const read = billingReads(ctx.db);
  const name = request.name.normalize('NFKC').replace(/\s/g, '');
  const sameName = await read.feeItems.findOne({ name });
  if (sameName && sameName._id !== request.code) throw new AppError('FEE_ITEM_NAME_TAKEN');
  const before = await read.feeItems.findById(request.code);
  const item: FeeItemDoc = { _id: request.code, name, mandatory: request.mandatory, payableAfterDeadline: request.payableAfterDeadline, active: request.active, sortOrder: request.sortOrder, updatedAt: ctx.now() };
  await billingStore(ctx.db).saveFeeItem(item);
  forgetFeeItemCatalogue();
  ctx.audit.record({ target: `feeItem:${item._id}`, before: before ? feeItemView(before) : null, after: feeItemView(item) });
  return feeItemView(item);
}

export const billingConsoleHandlers: Handlers<typeof billingConsoleContract> = {
  dashboard,
  searchBills,
  billDetail,
  adjustBill,
  waiveBill,
  voidBill,
  listFeeItems,
  saveFeeItem,
  startExport,
  exportRows: exportPage,
  requestRefund,
  approveRefund,
  rejectRefund,
  listRefunds,
  listCases,
  caseDetail,
  resolveCase,
  requestCaseRefund,
  reconciliationDays,
  rerunReconciliation,
};
