/**
 * Exports, page by page: the console asks for each page in turn (so a long export shows its
 * progress) and writes the .xlsx in the browser. Each page is one read and one count; amounts stay
 * fen here, the sheet shows 元. Personal data leaves masked as everywhere (no ID numbers, no phones).
 */
import { AppError, aggregateOperators, commands, maskReference, type ConsoleContext } from '../runtime';
import { parseChinaDateEndOfDay, shanghaiDate, shanghaiDateTime } from '../kernel/china-time';
import { EXPORT_PAGE_ROWS, ORDER_STATUS_TEXT, type ExportKind, type ExportPage, type ExportRow } from './contract';
import type { BillDoc } from './domain/records';
import { billQuery, consoleBillOf, type BillFilterInput } from './console-views';
import { billingReads } from './store';

export interface ExportRequest extends BillFilterInput {
  kind: ExportKind;
  paidFrom?: string;
  paidTo?: string;
}

const DAY_MS = 24 * 3600_000;

interface UnpaidGroup {
  _id: string;
  studentName: string | null;
  college: string | null;
  major: string | null;
  grade: string | null;
  className: string | null;
  items: string[];
  amount: number;
  earliestDeadline: Date;
}

function unpaidQuery(request: ExportRequest, _: ReturnType<typeof commands>): Record<string, unknown> {
  if (!request.term) throw new AppError('BAD_REQUEST', '请选择学年学期');
  const { status: _ignored, ...filters } = request;
  return { ...billQuery(filters, _), status: _.in(['UNPAID', 'PAYING']) };
}

function paidRange(request: ExportRequest, _: ReturnType<typeof commands>): Record<string, unknown> {
  const from = request.paidFrom ? parseChinaDateEndOfDay(request.paidFrom) : null;
  const to = request.paidTo ? parseChinaDateEndOfDay(request.paidTo) : null;
  if (!from || !to) throw new AppError('BAD_REQUEST', '请选择支付日期范围');
  if (to.getTime() - from.getTime() > 366 * DAY_MS) throw new AppError('BAD_REQUEST', '支付日期范围最长一年');
  return { status: _.in(['PAID', 'REFUNDING', 'REFUNDED']), paidAt: _.and(_.gte(new Date(from.getTime() - DAY_MS + 1000)), _.lte(to)) };
}

/** How many rows the export will have. */
export async function exportTotal(request: ExportRequest, ctx: ConsoleContext): Promise<number> {
  const read = billingReads(ctx.db);
  const _ = commands(ctx.db);
  switch (request.kind) {
    case 'unpaid': {
      const [counted] = await read.bills.aggregate<{ students: number }>([{ match: unpaidQuery(request, _) }, { group: { _id: '$studentNo' } }, { count: 'students' }]);
      return counted?.students ?? 0;
    }
    case 'payments':
      return read.orders.count(paidRange(request, _));
    case 'bills':
      return read.bills.count(billQuery(request, _));
  }
}

export async function exportPage(request: ExportRequest & { page: number }, ctx: ConsoleContext): Promise<ExportPage> {
  const read = billingReads(ctx.db);
  const _ = commands(ctx.db);
  const $ = aggregateOperators(ctx.db);
  const skip = (request.page - 1) * EXPORT_PAGE_ROWS;
  const now = ctx.now();
  let rows: ExportRow[];
  switch (request.kind) {
    case 'unpaid': {
      const groups = await read.bills.aggregate<UnpaidGroup>([
        { match: unpaidQuery(request, _) },
        { sort: { studentNo: 1, itemCode: 1 } },
        {
          group: {
            _id: '$studentNo',
            studentName: $.first!('$studentName'),
            college: $.first!('$college'),
            major: $.first!('$major'),
            grade: $.first!('$grade'),
            className: $.first!('$className'),
            items: $.push!('$itemName'),
            amount: $.sum!('$amount'),
            earliestDeadline: $.min!('$deadline'),
          },
        },
        { sort: { _id: 1 } },
        { skip },
        { limit: EXPORT_PAGE_ROWS },
      ]);
      rows = groups.map((group) => ({
        studentNo: group._id,
        studentName: group.studentName ?? '',
        college: group.college ?? '',
        major: group.major ?? '',
        grade: group.grade ?? '',
        className: group.className ?? '',
        items: group.items.join('、'),
        amount: group.amount,
        earliestDeadline: shanghaiDate(new Date(group.earliestDeadline)),
      }));
      break;
    }
    case 'payments': {
      const orders = await read.orders.find(paidRange(request, _), { orderBy: [['paidAt', 'asc'], ['_id', 'asc']], skip, limit: EXPORT_PAGE_ROWS });
      rows = orders.map((order) => ({
        paidAt: order.paidAt ? shanghaiDateTime(new Date(order.paidAt)) : '',
        outTradeNo: order.outTradeNo,
        transactionId: order.transactionId ? maskReference(order.transactionId) : '',
        studentNo: order.studentNo,
        items: order.lines.map((line) => `${line.term} ${line.itemName}`).join('、'),
        amount: order.total,
        refunded: order.refundSummary?.refunded ?? 0,
        statusText: ORDER_STATUS_TEXT[order.status],
      }));
      break;
    }
    case 'bills': {
      const bills: BillDoc[] = await read.bills.find(billQuery(request, _), { orderBy: [['studentNo', 'asc'], ['term', 'asc'], ['itemCode', 'asc']], skip, limit: EXPORT_PAGE_ROWS });
      rows = bills.map((bill) => {
        const view = consoleBillOf(bill, now);
        return {
          studentNo: view.studentNo,
          studentName: view.studentName,
          college: view.college,
          major: view.major,
          grade: view.grade,
          className: view.className,
          term: view.term,
          itemName: view.itemName,
          amount: view.amount,
          deadline: shanghaiDate(new Date(view.deadline)),
          mandatory: view.mandatory ? '是' : '否',
          statusText: view.statusText,
        };
      });
      break;
    }
  }
  const total = await exportTotal(request, ctx);
  return { rows, next: skip + rows.length < total ? String(request.page + 1) : null, total };
}

export async function startExport(request: ExportRequest, ctx: ConsoleContext): Promise<{ total: number }> {
  const total = await exportTotal(request, ctx);
  const { kind, ...filters } = request;
  ctx.audit.record({ target: `export:${kind}`, after: { filters, rows: total } });
  return { total };
}
