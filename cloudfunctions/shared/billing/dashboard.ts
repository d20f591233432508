/**
 * 概览: a term's collection figures, by 学院 / 专业 / 年级, the daily income and the open review
 * cases, in five database requests however many bills there are (aggregations on the server; the
 * bills carry their student's 学院, 专业 and 年级). Every figure is a sum of bills (or order lines)
 * beneath it, so the totals equal the sum of the breakdowns, and the daily 实收 (收款 less 退款)
 * adds up to the 实收 card: a bill refunded counts once as 收款 and once as 退款, a bill paid again
 * after a refund counts as 收款 on both days. (Only a payment that arrived after its bills were
 * settled otherwise, while it is on its way back, is 收款 without a 已缴费 bill.)
 */
import { aggregateOperators, commands, type AggregateStage, type ConsoleContext } from '../runtime';
import type { CollectionFigures, DailyIncome, Dashboard, FiguresBy } from './contract';
import type { BillStatus } from './domain/records';
import { billingReads } from './store';

interface StatusRow {
  _id: { name: string | null; status: BillStatus; term?: string };
  amount: number;
  count: number;
}

const RECEIVABLE: ReadonlySet<BillStatus> = new Set(['UNPAID', 'PAYING', 'PAID']);
const UNPAID: ReadonlySet<BillStatus> = new Set(['UNPAID', 'PAYING']);
/** Groups per request: terms × 学院 × statuses stays far below it. */
const MAX_GROUPS = 5000;

const perMille = (part: number, whole: number): number => (whole === 0 ? 0 : Math.floor((part * 1000) / whole));

export function figuresOf(rows: readonly Pick<StatusRow, 'amount' | 'count' | '_id'>[]): CollectionFigures {
  const figures = { receivable: 0, received: 0, unpaid: 0, refunded: 0, waived: 0, billCount: 0, paidCount: 0, unpaidCount: 0 };
  for (const row of rows) {
    const status = row._id.status;
    if (RECEIVABLE.has(status)) {
      figures.receivable += row.amount;
      figures.billCount += row.count;
    }
    if (status === 'PAID') {
      figures.received += row.amount;
      figures.paidCount += row.count;
    }
    if (UNPAID.has(status)) {
      figures.unpaid += row.amount;
      figures.unpaidCount += row.count;
    }
    if (status === 'REFUNDED') figures.refunded += row.amount;
    if (status === 'WAIVED') figures.waived += row.amount;
  }
  return { ...figures, rateByAmount: perMille(figures.received, figures.receivable), rateByCount: perMille(figures.paidCount, figures.billCount) };
}

function figuresBy(rows: readonly StatusRow[]): FiguresBy[] {
  const byName = new Map<string, StatusRow[]>();
  for (const row of rows) {
    const name = row._id.name ?? '';
    byName.set(name, [...(byName.get(name) ?? []), row]);
  }
  return [...byName]
    .map(([name, group]) => ({ name, ...figuresOf(group) }))
    .sort((a, b) => b.receivable - a.receivable || a.name.localeCompare(b.name, 'zh-Hans-CN'));
}

interface DailyRow {
  _id: string;
  received: number;
  refunded: number;
  payments: number;
  refunds: number;
}

/** Orders whose money arrived: refunds (some or all of it) came later, if at all. */
const PAID_ORDER_STATUSES = ['PAID', 'REFUNDING', 'REFUNDED'];
/** Refunds whose money is back with the payer: confirmed by WeChat, or refunded outside WeChat Pay. */
const MONEY_BACK = ['SUCCESS', 'OFFLINE'];

/**
 * Each of the term's order lines is money in on the day its order was paid, and money out on the
 * day a refund that covers its bill was completed; summed per day, a payment or refund counted
 * once per day however many of its lines are the term's.
 */
function dailyMovements(term: string, $: ReturnType<typeof aggregateOperators>): AggregateStage[] {
  const chinaDay = (date: string) => $.dateToString!({ date, format: '%Y-%m-%d', timezone: '+08:00' });
  const completedForLine = $.filter!({
    input: '$refunds',
    as: 'refund',
    cond: $.and!([$.in!(['$$refund.status', MONEY_BACK]), $.in!(['$lines.billId', '$$refund.billIds'])]),
  });
  return [
    { lookup: { from: 'refunds', localField: '_id', foreignField: 'orderId', as: 'refunds' } },
    { unwind: '$lines' },
    { match: { 'lines.term': term } },
    {
      project: {
        movements: $.concatArrays!([
          [{ day: chinaDay('$paidAt'), kind: 'payment', ref: '$_id', received: '$lines.amount', refunded: 0 }],
          $.map!({ input: completedForLine, as: 'refund', in: { day: chinaDay('$$refund.refundedAt'), kind: 'refund', ref: '$$refund._id', received: 0, refunded: '$lines.amount' } }),
        ]),
      },
    },
    { unwind: '$movements' },
    {
      group: {
        _id: { day: '$movements.day', kind: '$movements.kind', ref: '$movements.ref' },
        received: $.sum!('$movements.received'),
        refunded: $.sum!('$movements.refunded'),
      },
    },
    {
      group: {
        _id: '$_id.day',
        received: $.sum!('$received'),
        refunded: $.sum!('$refunded'),
        payments: $.sum!($.cond!({ if: $.eq!(['$_id.kind', 'payment']), then: 1, else: 0 })),
        refunds: $.sum!($.cond!({ if: $.eq!(['$_id.kind', 'refund']), then: 1, else: 0 })),
      },
    },
    { sort: { _id: 1 } },
    { limit: 1000 },
  ];
}

export async function dashboard(request: { term?: string }, ctx: ConsoleContext): Promise<Dashboard> {
  const read = billingReads(ctx.db);
  const $ = aggregateOperators(ctx.db);
  const _ = commands(ctx.db);
  const byStatus = (field: 'college' | 'major' | 'grade', withTerm: boolean) => ({
    group: { _id: { name: `$${field}`, status: '$status', ...(withTerm ? { term: '$term' } : {}) }, amount: $.sum!('$amount'), count: $.sum!(1) },
  });

  // 1. Every term, by 学院 and status: the terms, and the chosen term's totals and 学院 rows.
  const allTerms = await read.bills.aggregate<StatusRow>([byStatus('college', true), { limit: MAX_GROUPS }]);
  const terms = [...new Set(allTerms.map((row) => row._id.term ?? ''))].filter(Boolean).sort().reverse();
  const term = request.term && terms.includes(request.term) ? request.term : (terms[0] ?? request.term ?? '');
  const ofTerm = allTerms.filter((row) => row._id.term === term);

  const [byMajor, byGrade, daily, openReviewCases] = await Promise.all([
    // 2, 3. The term by 专业 and by 年级.
    read.bills.aggregate<StatusRow>([{ match: { term } }, byStatus('major', false), { limit: MAX_GROUPS }]),
    read.bills.aggregate<StatusRow>([{ match: { term } }, byStatus('grade', false), { limit: MAX_GROUPS }]),
    // 4. What the term's bills brought in and what went back, each day (an order may pay bills of several terms).
    read.orders.aggregate<DailyRow>([{ match: { status: _.in(PAID_ORDER_STATUSES), 'lines.term': term } }, ...dailyMovements(term, $)]),
    // 5. Open review cases (待核实): the same count as the case list's.
    read.reviewCases.count({ status: 'OPEN' }),
  ]);
  const dailyIncome: DailyIncome[] = daily.map((row) => ({
    date: row._id,
    received: row.received,
    refunded: row.refunded,
    net: row.received - row.refunded,
    payments: row.payments,
    refunds: row.refunds,
  }));
  return {
    term,
    terms,
    totals: figuresOf(ofTerm),
    byCollege: figuresBy(ofTerm),
    byMajor: figuresBy(byMajor),
    byGrade: figuresBy(byGrade),
    dailyIncome,
    openReviewCases,
  };
}
