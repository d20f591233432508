/**
 * Aggregation through the genuine wx-server-sdk (`collection.aggregate()…end()` with
 * `db.command.aggregate` operators), checked against figures computed directly from the same bills,
 * and against what the cloud database refuses.
 */
import { Db } from '@cloudbase/database';
import type { LocalDatabase } from '../../local/db';
import {
  aggregateOf,
  openInstalled,
  rejection,
  sdkDatabase,
  subPipeline,
  tempDir,
  type Doc,
  type SdkAggregate,
  type SdkDatabase,
} from './db-helpers';

interface Bill {
  _id: string;
  studentNo: string;
  college: string;
  item: { code: string; name: string };
  amount: number;
  status: 'PAID' | 'UNPAID' | 'VOID';
  paidAt?: Date;
}

const COLLEGE_COUNT = 24;
const colleges = Array.from({ length: COLLEGE_COUNT }, (_, i) => `第${i + 1}学院`);
const items = [
  { code: 'TUITION', name: '学费' },
  { code: 'DORM', name: '住宿费' },
  { code: 'BOOKS', name: '教材费' },
];
const students = Array.from({ length: 240 }, (_, i) => ({
  _id: `s${i}`,
  studentNo: `2024${String(i).padStart(4, '0')}`,
  name: `学生${i}`,
  college: colleges[i % COLLEGE_COUNT]!,
}));
const HOUR_MS = 3_600_000;
const bills: Bill[] = Array.from({ length: 2400 }, (_, i) => {
  const student = students[i % students.length]!;
  // Every student gets bills of every item over the rounds.
  const item = items[Math.floor(i / students.length) % items.length]!;
  const status = i % 5 === 0 ? 'UNPAID' : i % 7 === 0 ? 'VOID' : 'PAID';
  return {
    _id: `b${String(i).padStart(4, '0')}`,
    studentNo: student.studentNo,
    college: student.college,
    item,
    // Tuition-sized amounts in fen: the paid total runs past 2^31.
    amount: 300_000 + ((i * 7919) % 3_000_000),
    status,
    ...(status === 'PAID' ? { paidAt: new Date(Date.UTC(2024, 8, 1) + i * 5 * HOUR_MS) } : {}),
  };
});
const orders = [
  { _id: 'o1', billIds: ['b0001', 'b0002', 'b0003'] },
  { _id: 'o2', billIds: ['b0004'] },
  { _id: 'o3', billIds: [] },
  { _id: 'o4', billIds: ['b0006', 'b0007'] },
];

const paid = bills.filter((bill) => bill.status === 'PAID');
const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);

/** Per college: paid total and number of paid bills. */
function paidByCollege(): Map<string, { total: number; count: number }> {
  const byCollege = new Map<string, { total: number; count: number }>();
  for (const bill of paid) {
    const entry = byCollege.get(bill.college) ?? { total: 0, count: 0 };
    byCollege.set(bill.college, { total: entry.total + bill.amount, count: entry.count + 1 });
  }
  return byCollege;
}

const temp = tempDir('aggregate');
let database: LocalDatabase;
let db: SdkDatabase;

beforeAll(async () => {
  database = await openInstalled(temp.dir, [
    { name: 'bills', indexes: [] },
    { name: 'students', indexes: [{ fields: ['studentNo'], unique: true }] },
    { name: 'orders', indexes: [] },
    { name: 'empty', indexes: [] },
  ]);
  db = sdkDatabase();
  await db.collection('bills').add({ data: bills });
  await db.collection('students').add({ data: students });
  await db.collection('orders').add({ data: orders });
});

afterAll(async () => {
  await database.close();
  temp.remove();
});

describe('the request and the answer', () => {
  it('end() makes one database.aggregateDocuments round trip and resolves { list, errMsg }', async () => {
    type RequestClass = new (config?: unknown) => { send(action: string, params?: object): Promise<unknown> };
    const installed = (Db as unknown as { reqClass: RequestClass }).reqClass;
    const sent: { action: string; params: unknown }[] = [];
    Object.defineProperty(Db, 'reqClass', {
      configurable: true,
      set: () => undefined,
      get: () =>
        class RecordingRequest extends installed {
          override send(action: string, params?: object): Promise<unknown> {
            sent.push({ action, params: JSON.parse(JSON.stringify(params)) });
            return super.send(action, params);
          }
        },
    });
    const roundTrips: string[] = [];
    const stop = database.onRoundTrip((action, collection) => roundTrips.push(`${action} ${collection}`));
    let result: { list: Doc[]; errMsg: string };
    try {
      result = await aggregateOf(db.collection('bills')).match({ status: 'UNPAID' }).sort({ amount: -1 }).limit(2).end();
    } finally {
      stop();
      database.install();
    }

    expect(roundTrips).toEqual(['database.aggregateDocuments bills']);
    expect(sent).toEqual([
      {
        action: 'database.aggregateDocuments',
        params: {
          collectionName: 'bills',
          stages: [
            { stageKey: '$match', stageValue: '{"status":"UNPAID"}' },
            { stageKey: '$sort', stageValue: '{"amount":{"$numberInt":"-1"}}' },
            { stageKey: '$limit', stageValue: '2' },
          ],
        },
      },
    ]);
    const unpaid = bills.filter((bill) => bill.status === 'UNPAID').sort((a, b) => b.amount - a.amount);
    expect(result.errMsg).toBe('collection.aggregate:ok');
    expect(result.list).toEqual(unpaid.slice(0, 2));
  });
});

describe('figures for the finance dashboard', () => {
  it('group: each college’s paid total and bill count equal a direct computation, largest first', async () => {
    const $ = db.command.aggregate;
    const { list } = await aggregateOf(db.collection('bills'))
      .match({ status: 'PAID' })
      .group({ _id: '$college', total: $.sum('$amount'), count: $.sum(1) })
      .sort({ total: -1 })
      .limit(100)
      .end();

    const expected = [...paidByCollege()].map(([college, figures]) => ({ _id: college, ...figures })).sort((a, b) => b.total - a.total);
    expect(list).toHaveLength(COLLEGE_COUNT);
    expect(list).toEqual(expected);
  });

  it('without limit() the answer stops at 20 documents, as the cloud’s does', async () => {
    const $ = db.command.aggregate;
    const group = { _id: '$college', total: $.sum('$amount') };
    const { list: capped } = await aggregateOf(db.collection('bills')).group(group).end();
    const { list: all } = await aggregateOf(db.collection('bills')).group(group).limit(1000).end();
    expect(capped).toHaveLength(20);
    expect(all).toHaveLength(COLLEGE_COUNT);
  });

  it('one pass with $.cond: paid, unpaid and the grand total, past 2^31 fen, come back as exact integers', async () => {
    const $ = db.command.aggregate;
    const amountIf = (status: string): object => $.cond({ if: $.eq(['$status', status]), then: '$amount', else: 0 });
    const { list } = await aggregateOf(db.collection('bills'))
      .group({ _id: null, paid: $.sum(amountIf('PAID')), unpaid: $.sum(amountIf('UNPAID')), all: $.sum('$amount'), bills: $.sum(1) })
      .end();

    const totalOf = (status: string): number => sum(bills.filter((bill) => bill.status === status).map((bill) => bill.amount));
    expect(totalOf('PAID')).toBeGreaterThan(2 ** 31);
    expect(list).toEqual([{ _id: null, paid: totalOf('PAID'), unpaid: totalOf('UNPAID'), all: sum(bills.map((bill) => bill.amount)), bills: bills.length }]);
    expect(Number.isInteger(list[0]!.paid)).toBe(true);
  });

  it('first, max and avg per group follow the order set before the group', async () => {
    const $ = db.command.aggregate;
    const { list } = await aggregateOf(db.collection('bills'))
      .match({ status: 'PAID', college: colleges[0] })
      .sort({ amount: -1 })
      .group({ _id: '$item.code', largestBill: $.first('$_id'), max: $.max('$amount'), average: $.avg('$amount') })
      .sort({ _id: 1 })
      .end();

    const expected = items.map((item) => item.code).sort().map((code) => {
      const mine = paid.filter((bill) => bill.college === colleges[0] && bill.item.code === code).sort((a, b) => b.amount - a.amount);
      return { _id: code, largestBill: mine[0]!._id, max: mine[0]!.amount, average: sum(mine.map((bill) => bill.amount)) / mine.length };
    });
    expect(list).toEqual(expected);
  });

  it('sort, skip and limit page through the groups', async () => {
    const $ = db.command.aggregate;
    const page = async (offset: number): Promise<unknown[]> =>
      (await aggregateOf(db.collection('bills')).group({ _id: '$college', n: $.sum(1) }).sort({ _id: 1 }).skip(offset).limit(10).end()).list.map(
        (group) => group._id,
      );
    const sorted = [...colleges].sort();
    expect(await page(0)).toEqual(sorted.slice(0, 10));
    expect(await page(10)).toEqual(sorted.slice(10, 20));
    expect(await page(20)).toEqual(sorted.slice(20));
  });

  it('daily paid totals in China time with $.dateToString', async () => {
    const $ = db.command.aggregate;
    const { list } = await aggregateOf(db.collection('bills'))
      .match({ status: 'PAID' })
      .group({ _id: $.dateToString({ date: '$paidAt', format: '%Y-%m-%d', timezone: '+08:00' }), total: $.sum('$amount') })
      .sort({ _id: 1 })
      .limit(1000)
      .end();

    const byDay = new Map<string, number>();
    for (const bill of paid) {
      const day = new Date(bill.paidAt!.getTime() + 8 * HOUR_MS).toISOString().slice(0, 10);
      byDay.set(day, (byDay.get(day) ?? 0) + bill.amount);
    }
    expect(list).toEqual([...byDay].sort(([a], [b]) => a.localeCompare(b)).map(([day, total]) => ({ _id: day, total })));
    // Bills paid between 16:00 and 24:00 UTC count for the next day in China.
    expect(list[0]).toEqual({ _id: '2024-09-01', total: sum(paid.filter((bill) => bill.paidAt!.getTime() < Date.UTC(2024, 8, 1, 16)).map((bill) => bill.amount)) });
  });

  it('lookup joins each bill’s student, and project reshapes the result', async () => {
    const { list } = await aggregateOf(db.collection('bills'))
      .match({ _id: db.command.in(['b0001', 'b0250', 'b2399']) })
      .lookup({ from: 'students', localField: 'studentNo', foreignField: 'studentNo', as: 'student' })
      .unwind('$student')
      .project({ _id: 1, amount: 1, name: '$student.name', college: '$student.college' })
      .sort({ _id: 1 })
      .end();

    expect(list).toEqual(
      ['b0001', 'b0250', 'b2399'].map((id) => {
        const bill = bills.find((candidate) => candidate._id === id)!;
        const student = students.find((candidate) => candidate.studentNo === bill.studentNo)!;
        return { _id: id, amount: bill.amount, name: student.name, college: student.college };
      }),
    );
  });

  it('lookup with let and a sub-pipeline built by db.command.aggregate.pipeline()', async () => {
    const $ = db.command.aggregate;
    // db.command.expr exists at run time but not in the SDK's typings.
    const { expr } = db.command as unknown as { expr(expression: object): object };
    const { list } = await aggregateOf(db.collection('bills'))
      .match({ _id: 'b0007' })
      .lookup({
        from: 'students',
        let: { no: '$studentNo' },
        pipeline: subPipeline(db)
          .match(expr($.eq(['$studentNo', '$$no'])))
          .project({ _id: 0, name: 1 })
          .done(),
        as: 'student',
      })
      .project({ _id: 0, student: 1 })
      .end();

    expect(list).toEqual([{ student: [{ name: students[7]!.name }] }]);
  });

  it('unwind and count: the bills across all orders', async () => {
    const { list } = await aggregateOf(db.collection('orders')).unwind('$billIds').count('bills').end();
    expect(list).toEqual([{ bills: sum(orders.map((order) => order.billIds.length)) }]);
  });

  it('string positions count code points ($.indexOfCP) and UTF-8 bytes ($.indexOfBytes), as MongoDB does', async () => {
    const $ = db.command.aggregate;
    const { list } = await aggregateOf(db.collection('students'))
      .match({ _id: 's12' })
      .project({ _id: 0, codePoints: $.indexOfCP(['$college', '学院']), bytes: $.indexOfBytes(['$college', '学院']) })
      .end();
    // "第13学院": 第 is one code point of 3 bytes, each digit one of 1.
    expect(list).toEqual([{ codePoints: 3, bytes: 5 }]);
  });

  it('addFields on a nested field leaves the stored documents as they were', async () => {
    const { list } = await aggregateOf(db.collection('bills')).match({ _id: 'b0003' }).addFields({ 'item.checked': true }).end();
    expect(list[0]!.item).toEqual({ ...bills[3]!.item, checked: true });
    expect((await db.collection('bills').doc('b0003').get()).data.item).toEqual(bills[3]!.item);
  });
});

/**
 * How a refused aggregate() reaches the caller. The transport rejects with the cloud's error
 * (`code`, `message`), as node-sdk's does for every request; collection.get() maps that code to an
 * errCode, but wx-server-sdk 4.0.2's aggregate().end() does not: errCode is -1 and the cloud's code
 * stays on the error, next to errMsg "collection.aggregate:fail <message>".
 */
async function refusal(pipeline: SdkAggregate): Promise<{ errCode: number; errMsg: string; code: string }> {
  return (await rejection(pipeline.end())) as Awaited<ReturnType<typeof refusal>>;
}

describe('what the cloud refuses', () => {
  it('an unknown operator, even over a collection with no documents', async () => {
    const error = await refusal(aggregateOf(db.collection('empty')).project({ share: { $percent: '$amount' } }));
    expect(error).toMatchObject({ errCode: -1, code: 'DATABASE_INVALID_OPERRATOR' });
    expect(error.errMsg).toBe("collection.aggregate:fail Unrecognized expression '$percent'");
  });

  it('server-side JavaScript ($where)', async () => {
    const error = await refusal(aggregateOf(db.collection('bills')).match({ $where: 'this.amount > 0' }));
    expect(error.code).toBe('DATABASE_INVALID_OPERRATOR');
    expect(error.errMsg).toContain('does not run server-side JavaScript');
  });

  it('a $group field that is not an accumulator', async () => {
    const $ = db.command.aggregate;
    const plainField = await refusal(aggregateOf(db.collection('empty')).group({ _id: '$college', total: '$amount' }));
    expect(plainField.code).toBe('DATABASE_REQUEST_FAILED');
    expect(plainField.errMsg).toBe("collection.aggregate:fail The field 'total' must be an accumulator object");

    const notAnAccumulator = await refusal(aggregateOf(db.collection('empty')).group({ _id: '$college', total: $.add(['$amount', 1]) }));
    expect(notAnAccumulator.code).toBe('DATABASE_INVALID_OPERRATOR');
    expect(notAnAccumulator.errMsg).toBe("collection.aggregate:fail unknown group operator '$add'");
  });

  it('a limit that is not positive and a sort that is not 1 or -1', async () => {
    expect(await refusal(aggregateOf(db.collection('bills')).limit(0))).toMatchObject({
      code: 'DATABASE_REQUEST_FAILED',
      errMsg: 'collection.aggregate:fail the limit must be positive',
    });
    expect(await refusal(aggregateOf(db.collection('bills')).sort({ amount: 'desc' }))).toMatchObject({
      code: 'DATABASE_REQUEST_FAILED',
      errMsg: 'collection.aggregate:fail $sort key ordering must be 1 (for ascending) or -1 (for descending)',
    });
  });

  it('a collection that does not exist', async () => {
    const error = await refusal(aggregateOf(db.collection('no_such_collection')).match({}));
    expect(error).toMatchObject({ errCode: -1, code: 'DATABASE_COLLECTION_NOT_EXIST' });
  });

  it('geoNear, which the cloud runs with a geo index, fails loudly here instead of answering wrongly', async () => {
    const geo = (db as unknown as { Geo: { Point(longitude: number, latitude: number): unknown } }).Geo;
    const error = await refusal(aggregateOf(db.collection('empty')).geoNear({ near: geo.Point(121.4, 37.5), distanceField: 'distance' }));
    expect(error.code).toBe('DATABASE_INVALID_OPERRATOR');
    expect(error.errMsg).toContain('$geoNear is not available in the local database');
  });

  it('inside a transaction aggregate() reads committed data only: the SDK sends it without the transaction', async () => {
    const paidCount = async (collection: Parameters<typeof aggregateOf>[0]): Promise<unknown> =>
      (await aggregateOf(collection).match({ status: 'PAID' }).count('n').end()).list[0]?.n;

    const seenInside = await db.runTransaction(async (transaction) => {
      await transaction.collection('bills').doc('b0000').update({ data: { status: 'PAID' } });
      return paidCount(transaction.collection('bills'));
    });
    expect(seenInside).toBe(paid.length);
    expect(await paidCount(db.collection('bills'))).toBe(paid.length + 1);
    await db.collection('bills').doc('b0000').update({ data: { status: 'UNPAID' } });
  });
});
