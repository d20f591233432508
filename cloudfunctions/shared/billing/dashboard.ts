/**
 * 概览: a term's collection figures, by 学院 / 专业 / 年级, the daily income and the open review
 * cases, in five database requests however many bills there are (aggregations on the server; the
 * bills carry their student's 学院, 专业 and 年级). Every figure is a sum of bills (or order lines)
 * beneath it, so the totals equal the sum of the breakdowns.
 */
import { aggregateOperators, commands, type ConsoleContext } from '../runtime';
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
    // 4. What was paid each day for the term's bills (an order may pay bills of several terms).
    read.orders.aggregate<{ _id: string; amount: number; orders: number }>([
      { match: { status: _.in(['PAID', 'REFUNDING', 'REFUNDED']), 'lines.term': term } },
      { unwind: '$lines' },
      { match: { 'lines.term': term } },
      { group: { _id: { day: $.dateToString!({ date: '$paidAt', format: '%Y-%m-%d', timezone: '+08:00' }), order: '$_id' }, amount: $.sum!('$lines.amount') } },
      { group: { _id: '$_id.day', amount: $.sum!('$amount'), orders: $.sum!(1) } },
      { sort: { _id: 1 } },
      { limit: 1000 },
    ]),
    // 5. Open review cases (待核实): the same count as the case list's.
    read.reviewCases.count({ status: 'OPEN' }),
  ]);
  const dailyIncome: DailyIncome[] = daily.map((row) => ({ date: row._id, amount: row.amount, orders: row.orders }));
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
