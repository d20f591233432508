/**
 * Exports, page by page: the console asks for each page in turn (so a long export shows its
 * progress) and writes the .xlsx in the browser. Each page is one read and one count; amounts stay
 * fen here, the sheet shows 元. Personal data leaves masked as everywhere (no ID numbers, no phones).
 *
 * Pages are read by key, not by position: each starts after the sort key of the previous page's
 * last row, handed to the console as `next`. The rows change while an export runs (students pay,
 * the office waives), and a row leaving an earlier page would otherwise move the row at the next
 * page's start out of both pages.
 */
import { AppError, aggregateOperators, commands, maskReference, type ConsoleContext, type Query } from '../runtime';
import { parseChinaDateEndOfDay, shanghaiDate, shanghaiDateTime } from '../kernel/china-time';
import { EXPORT_PAGE_ROWS, ORDER_STATUS_TEXT, type ExportKind, type ExportPage, type ExportRow } from './contract';
import type { BillDoc } from './domain/records';
import { billQuery, consoleBillOf, type BillFilterInput } from './console-views';
import { billingReads } from './store';

export interface ExportRequest extends BillFilterInput {
  kind: ExportKind;
  paidFrom?: string;
  paidTo?: string;
  /** 未缴学生名单 only: 必缴 bills alone (只含必缴). */
  mandatoryOnly?: boolean;
}

export interface ExportPageRequest extends ExportRequest {
  /** The previous page's `next`; absent for the first page. */
  after?: string;
}

const DAY_MS = 24 * 3600_000;

interface UnpaidGroup {
  _id: string;
  studentName: string | null;
  college: string | null;
  major: string | null;
  grade: string | null;
  className: string | null;
  items: { name: string; mandatory: boolean }[];
  mandatoryAmount: number;
  optionalAmount: number;
  earliestDeadline: Date;
}

function unpaidQuery(request: ExportRequest, _: ReturnType<typeof commands>): Record<string, unknown> {
  if (!request.term) throw new AppError('BAD_REQUEST', '请选择学年学期');
  const { status: _ignored, ...filters } = request;
  return { ...billQuery(filters, _), status: _.in(['UNPAID', 'PAYING']), ...(request.mandatoryOnly ? { mandatory: true } : {}) };
}

function paidRange(request: ExportRequest, _: ReturnType<typeof commands>): Record<string, unknown> {
  const from = request.paidFrom ? parseChinaDateEndOfDay(request.paidFrom) : null;
  const to = request.paidTo ? parseChinaDateEndOfDay(request.paidTo) : null;
  if (!from || !to) throw new AppError('BAD_REQUEST', '请选择支付日期范围');
  if (to.getTime() - from.getTime() > 366 * DAY_MS) throw new AppError('BAD_REQUEST', '支付日期范围最长一年');
  return { status: _.in(['PAID', 'REFUNDING', 'REFUNDED']), paidAt: _.and(_.gte(new Date(from.getTime() - DAY_MS + 1000)), _.lte(to)) };
}

type KeyValue = string | number;

/** Each export's sort, field by field; the last field is unique, so every row has its own key. */
const SORT_KEYS = {
  unpaid: ['studentNo'],
  payments: ['paidAt', '_id'],
  bills: ['studentNo', 'term', 'itemCode', '_id'],
} as const satisfies Record<ExportKind, readonly string[]>;

/** The page token: the export's kind and the last row's key (a time as epoch milliseconds). */
function pageToken(kind: ExportKind, key: readonly KeyValue[]): string {
  return Buffer.from(JSON.stringify({ kind, key }), 'utf8').toString('base64url');
}

const TOKEN_REFUSED = '导出的分页标记无效，请重新导出';

function keyOfToken(kind: ExportKind, token: string): KeyValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new AppError('BAD_REQUEST', TOKEN_REFUSED);
  }
  const { kind: tokenKind, key } = (parsed ?? {}) as { kind?: unknown; key?: unknown };
  const fields = SORT_KEYS[kind];
  const fits =
    tokenKind === kind &&
    Array.isArray(key) &&
    key.length === fields.length &&
    key.every((value: unknown, index) => (fields[index] === 'paidAt' ? Number.isSafeInteger(value) : typeof value === 'string'));
  if (!fits) throw new AppError('BAD_REQUEST', TOKEN_REFUSED);
  return key as KeyValue[];
}

/**
 * Rows sorted after `key` by the fields in order: (a > x) or (a = x and b > y) or … — the same
 * order the page is read in, ascending.
 */
function afterKey(kind: ExportKind, key: readonly KeyValue[], _: ReturnType<typeof commands>): Query {
  const fields = SORT_KEYS[kind];
  const valueOf = (index: number): unknown => (fields[index] === 'paidAt' ? new Date(key[index] as number) : key[index]);
  const branches = fields.map((field, index) => {
    const branch: Record<string, unknown> = {};
    for (let earlier = 0; earlier < index; earlier += 1) branch[fields[earlier]!] = valueOf(earlier);
    branch[field] = _.gt(valueOf(index));
    return branch;
  });
  return branches.length === 1 ? branches[0]! : _.or(...branches);
}

/** The export's own conditions, and from the second page on, only rows after the previous page. */
function pageQuery(request: ExportPageRequest, base: Record<string, unknown>, _: ReturnType<typeof commands>): Query {
  if (request.after === undefined) return base;
  return _.and(base, afterKey(request.kind, keyOfToken(request.kind, request.after), _));
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

export async function exportPage(request: ExportPageRequest, ctx: ConsoleContext): Promise<ExportPage> {
  const read = billingReads(ctx.db);
  const _ = commands(ctx.db);
  const $ = aggregateOperators(ctx.db);
  const now = ctx.now();
  let rows: ExportRow[];
  let lastKey: KeyValue[] | null;
  switch (request.kind) {
    case 'unpaid': {
      // Every bill of a student is after the previous page's last 学号 or none is, so no group is cut.
      const groups = await read.bills.aggregate<UnpaidGroup>([
        { match: pageQuery(request, unpaidQuery(request, _), _) },
        { sort: { studentNo: 1, itemCode: 1 } },
        {
          group: {
            _id: '$studentNo',
            studentName: $.first!('$studentName'),
            college: $.first!('$college'),
            major: $.first!('$major'),
            grade: $.first!('$grade'),
            className: $.first!('$className'),
            items: $.push!({ name: '$itemName', mandatory: '$mandatory' }),
            mandatoryAmount: $.sum!($.cond!({ if: $.eq!(['$mandatory', true]), then: '$amount', else: 0 })),
            optionalAmount: $.sum!($.cond!({ if: $.eq!(['$mandatory', true]), then: 0, else: '$amount' })),
            earliestDeadline: $.min!('$deadline'),
          },
        },
        { sort: { _id: 1 } },
        { limit: EXPORT_PAGE_ROWS },
      ]);
      const itemNames = (group: UnpaidGroup, mandatory: boolean): string =>
        group.items
          .filter((item) => (item.mandatory === true) === mandatory)
          .map((item) => item.name)
          .join('、');
      rows = groups.map((group) => ({
        studentNo: group._id,
        studentName: group.studentName ?? '',
        college: group.college ?? '',
        major: group.major ?? '',
        grade: group.grade ?? '',
        className: group.className ?? '',
        mandatoryItems: itemNames(group, true),
        mandatoryAmount: group.mandatoryAmount,
        // Not looked at with 只含必缴: empty, not a 0 that would say nothing optional is owed.
        optionalItems: request.mandatoryOnly ? '' : itemNames(group, false),
        optionalAmount: request.mandatoryOnly ? '' : group.optionalAmount,
        earliestDeadline: shanghaiDate(new Date(group.earliestDeadline)),
      }));
      const last = groups.at(-1);
      lastKey = last ? [last._id] : null;
      break;
    }
    case 'payments': {
      const orders = await read.orders.find(pageQuery(request, paidRange(request, _), _), { orderBy: [['paidAt', 'asc'], ['_id', 'asc']], limit: EXPORT_PAGE_ROWS });
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
      const last = orders.at(-1);
      lastKey = last ? [new Date(last.paidAt!).getTime(), last._id] : null;
      break;
    }
    case 'bills': {
      const bills: BillDoc[] = await read.bills.find(pageQuery(request, billQuery(request, _), _), {
        orderBy: [['studentNo', 'asc'], ['term', 'asc'], ['itemCode', 'asc'], ['_id', 'asc']],
        limit: EXPORT_PAGE_ROWS,
      });
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
      const last = bills.at(-1);
      lastKey = last ? [last.studentNo, last.term, last.itemCode, last._id] : null;
      break;
    }
  }
  const total = await exportTotal(request, ctx);
  // A full page may be the last one: the page after it then comes back empty, with no next.
  return { rows, next: lastKey && rows.length === EXPORT_PAGE_ROWS ? pageToken(request.kind, lastKey) : null, total };
}

export async function startExport(request: ExportRequest, ctx: ConsoleContext): Promise<{ total: number }> {
  const total = await exportTotal(request, ctx);
  const { kind, ...filters } = request;
  ctx.audit.record({ target: `export:${kind}`, after: { filters, rows: total } });
  return { total };
}
