/**
 * Reading from the local database through the genuine wx-server-sdk, checked against the cloud
 * database's documented behaviour (query commands, orderBy/skip/limit, field, count, the 100 / 1,000
 * document limits, doc().get of a missing document, collections that do not exist).
 */
import { Db } from '@cloudbase/database';
import type { LocalDatabase } from '../../local/db';
import { openInstalled, rejection, sdkDatabase, tempDir, type Doc, type SdkDatabase } from './db-helpers';

const CLOCK_MS = Date.UTC(2024, 5, 1, 8, 0, 0);
const temp = tempDir('queries');
let database: LocalDatabase;
let db: SdkDatabase;

const bills = [
  {
    _id: 'a',
    name: 'alpha',
    amount: 10,
    status: 'UNPAID',
    tags: ['x', 'y'],
    owner: { city: 'Beijing', zip: 100 },
    items: [
      { sku: 's1', qty: 1 },
      { sku: 's2', qty: 5 },
    ],
    deadline: new Date('2024-01-10T00:00:00Z'),
  },
  {
    _id: 'b',
    name: 'beta',
    amount: 20,
    status: 'PAID',
    tags: ['y'],
    owner: { city: 'Shanghai', zip: 200 },
    items: [{ sku: 's1', qty: 3 }],
    deadline: new Date('2024-02-10T00:00:00Z'),
  },
  { _id: 'c', name: 'Gamma', amount: 30, status: 'UNPAID', tags: [], owner: { city: 'Beijing', zip: 300 }, note: null, deadline: new Date('2024-03-10T00:00:00Z') },
  { _id: 'd', name: 'delta', amount: 5, status: 'CLOSED', owner: { city: 'Shenzhen' } },
];

beforeAll(async () => {
  database = await openInstalled(
    temp.dir,
    [
      { name: 'bills', indexes: [] },
      { name: 'bulk', indexes: [] },
    ],
    { now: () => CLOCK_MS },
  );
  db = sdkDatabase();
  await db.collection('bills').add({ data: bills });
  await db.collection('bulk').add({ data: Array.from({ length: 1005 }, (_, i) => ({ i })) });
});

afterAll(async () => {
  await database.close();
  temp.remove();
});

const ids = async (condition: object): Promise<string[]> =>
  (await db.collection('bills').where(condition).get()).data.map((doc) => String(doc._id)).sort();

describe('query commands', () => {
  it('eq and neq', async () => {
    const _ = db.command;
    expect(await ids({ status: 'UNPAID' })).toEqual(['a', 'c']);
    expect(await ids({ status: _.eq('UNPAID') })).toEqual(['a', 'c']);
    expect(await ids({ status: _.neq('UNPAID') })).toEqual(['b', 'd']);
  });

  it('gt, gte, lt and lte compare numbers and dates', async () => {
    const _ = db.command;
    expect(await ids({ amount: _.gt(10) })).toEqual(['b', 'c']);
    expect(await ids({ amount: _.gte(10) })).toEqual(['a', 'b', 'c']);
    expect(await ids({ amount: _.lt(10) })).toEqual(['d']);
    expect(await ids({ amount: _.lte(10) })).toEqual(['a', 'd']);
    expect(await ids({ deadline: _.lt(new Date('2024-02-01T00:00:00Z')) })).toEqual(['a']);
    // Comparisons hold only within one type: a date is not "greater than" a number.
    expect(await ids({ deadline: _.gt(0) })).toEqual([]);
  });

  it('in and nin', async () => {
    const _ = db.command;
    expect(await ids({ status: _.in(['PAID', 'CLOSED']) })).toEqual(['b', 'd']);
    expect(await ids({ status: _.nin(['PAID', 'CLOSED']) })).toEqual(['a', 'c']);
    expect(await ids({ tags: _.in(['x']) })).toEqual(['a']);
  });

  it('and / or, at the top and on one field', async () => {
    const _ = db.command;
    expect(await ids(_.or([{ status: 'PAID' }, { amount: _.lt(10) }]))).toEqual(['b', 'd']);
    expect(await ids(_.and([{ status: 'UNPAID' }, { amount: _.gt(10) }]))).toEqual(['c']);
    expect(await ids({ amount: _.gt(5).and(_.lt(30)) })).toEqual(['a', 'b']);
    expect(await ids({ amount: _.lt(10).or(_.gt(20)) })).toEqual(['c', 'd']);
  });

  it('exists, and null matching a missing field', async () => {
    const _ = db.command;
    expect(await ids({ note: _.exists(true) })).toEqual(['c']);
    expect(await ids({ tags: _.exists(false) })).toEqual(['d']);
    expect(await ids({ note: null })).toEqual(['a', 'b', 'c', 'd']);
  });

  it('nested fields by path and by object', async () => {
    const _ = db.command;
    expect(await ids({ 'owner.city': 'Beijing' })).toEqual(['a', 'c']);
    expect(await ids({ owner: { city: 'Beijing', zip: _.gt(100) } })).toEqual(['c']);
    expect(await ids({ 'items.sku': 's2' })).toEqual(['a']);
  });

  it('an array field matches when any element does; elemMatch needs one element to match it all', async () => {
    const _ = db.command;
    expect(await ids({ tags: 'y' })).toEqual(['a', 'b']);
    expect(await ids({ 'items.sku': 's1', 'items.qty': _.gt(2) })).toEqual(['a', 'b']);
    expect(await ids({ items: _.elemMatch({ sku: 's1', qty: _.gt(2) }) })).toEqual(['b']);
  });

  it('regular expressions, db.RegExp and JavaScript ones', async () => {
    expect(await ids({ name: db.RegExp({ regexp: '^g', options: 'i' }) })).toEqual(['c']);
    expect(await ids({ name: /^(al|be)/ })).toEqual(['a', 'b']);
  });
});

describe('results', () => {
  it('returns dates as Date and numbers as numbers', async () => {
    const { data } = await db.collection('bills').doc('a').get();
    expect(data.deadline).toBeInstanceOf(Date);
    expect((data.deadline as Date).toISOString()).toBe('2024-01-10T00:00:00.000Z');
    expect(data.owner).toEqual({ city: 'Beijing', zip: 100 });
  });

  it('orders by several fields, then skips and limits', async () => {
    const ordered = await db.collection('bills').orderBy('status', 'asc').orderBy('amount', 'desc').get();
    expect(ordered.data.map((doc) => doc._id)).toEqual(['d', 'b', 'c', 'a']);
    const page = await db.collection('bills').orderBy('amount', 'asc').skip(1).limit(2).get();
    expect(page.data.map((doc) => doc._id)).toEqual(['a', 'b']);
  });

  it('projects with field(): inclusion keeps _id, exclusion drops only what it names', async () => {
    const included = await db.collection('bills').where({ _id: 'a' }).field({ name: true, 'owner.city': true }).get();
    expect(included.data).toEqual([{ _id: 'a', name: 'alpha', owner: { city: 'Beijing' } }]);
    const excluded = await db.collection('bills').doc('d').field({ owner: false }).get();
    expect(excluded.data).toEqual({ _id: 'd', name: 'delta', amount: 5, status: 'CLOSED' });
  });

  it('counts matching documents', async () => {
    expect((await db.collection('bills').where({ status: 'UNPAID' }).count()).total).toBe(2);
    expect((await db.collection('bills').count()).total).toBe(4);
  });

  it('returns 100 documents by default and at most 1,000 per get', async () => {
    expect((await db.collection('bulk').get()).data).toHaveLength(100);
    expect((await db.collection('bulk').limit(1000).get()).data).toHaveLength(1000);
    expect((await db.collection('bulk').limit(2000).get()).data).toHaveLength(1000);
    expect((await db.collection('bulk').skip(1000).limit(1000).get()).data).toHaveLength(5);
    expect((await db.collection('bulk').count()).total).toBe(1005);
    // The store enforces the cap too, whatever a client asks for.
    const request = new (Db as unknown as { reqClass: new () => { send(action: string, params: object): Promise<{ data: { list: unknown[] } }> } }).reqClass();
    const response = await request.send('database.getDocument', { collectionName: 'bulk', queryType: 'WHERE', limit: 5000 });
    expect(response.data.list).toHaveLength(1000);
  });

  it('returns documents without orderBy in insertion order', async () => {
    const { data } = await db.collection('bulk').limit(10).get();
    expect(data.map((doc) => doc.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const doc of data) expect(doc._id).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('doc().get', () => {
  it('returns the document itself', async () => {
    const { data, errMsg } = await db.collection('bills').doc('b').get();
    expect(errMsg).toBe('document.get:ok');
    expect(data).toMatchObject({ _id: 'b', name: 'beta' });
  });

  it('rejects for a document that does not exist, as in production', async () => {
    const error = await rejection(db.collection('bills').doc('missing').get());
    expect(error.errMsg).toBe('document.get:fail document with _id missing does not exist');
  });
});

describe('serverDate', () => {
  it('stores the server clock, with its offset', async () => {
    const { _id } = await db.collection('bills').add({ data: { stamped: db.serverDate(), later: db.serverDate({ offset: 60_000 }) } });
    const { data } = await db.collection('bills').doc(_id).get();
    expect(data.stamped).toEqual(new Date(CLOCK_MS));
    expect(data.later).toEqual(new Date(CLOCK_MS + 60_000));
    const _ = db.command;
    expect((await db.collection('bills').where({ stamped: _.lte(db.serverDate()) }).count()).total).toBe(1);
    await db.collection('bills').doc(_id).remove();
  });
});

describe('the wire format', () => {
  const send = (action: string, params: object): Promise<{ data: Doc }> =>
    new (Db as unknown as { reqClass: new () => { send(action: string, params: object): Promise<{ data: Doc }> } }).reqClass().send(action, params);

  it('accepts relaxed as well as canonical EJSON and answers in canonical EJSON', async () => {
    const relaxed = await send('database.getDocument', {
      collectionName: 'bills',
      queryType: 'WHERE',
      query: '{"amount":{"$gt":25},"deadline":{"$gt":{"$date":"2024-03-01T00:00:00Z"}}}',
    });
    expect(relaxed.data.list).toEqual([expect.stringContaining('"amount":{"$numberInt":"30"}')]);
    expect((relaxed.data.list as string[])[0]).toContain('"deadline":{"$date":{"$numberLong":"1710028800000"}}');
  });

  it('stores BSON number types as numbers, ObjectId as its hex string and dates as Date', async () => {
    await send('database.insertDocument', {
      collectionName: 'bills',
      data: [
        '{"_id":"typed","int":{"$numberInt":"7"},"long":{"$numberLong":"3000000000"},"double":{"$numberDouble":"1.5"},' +
          '"oid":{"$oid":"5f1d7a3c9d3e2a1b2c3d4e5f"},"at":{"$date":{"$numberLong":"86400000"}},"relaxedAt":{"$date":"1970-01-03T00:00:00Z"}}',
      ],
    });
    const { data } = await db.collection('bills').doc('typed').get();
    expect(data).toEqual({
      _id: 'typed',
      int: 7,
      long: 3_000_000_000,
      double: 1.5,
      oid: '5f1d7a3c9d3e2a1b2c3d4e5f',
      at: new Date(86_400_000),
      relaxedAt: new Date(172_800_000),
    });
    await db.collection('bills').doc('typed').remove();
  });

  it('refuses an unknown operator instead of ignoring it', async () => {
    await expect(
      send('database.getDocument', { collectionName: 'bills', queryType: 'WHERE', query: '{"$where":"true"}' }),
    ).rejects.toMatchObject({ code: 'DATABASE_INVALID_OPERRATOR' });
  });
});

describe('collections', () => {
  it('refuses reads and writes on a collection that does not exist, as production does', async () => {
    for (const call of [db.collection('nope').get(), db.collection('nope').add({ data: { a: 1 } }), db.collection('nope').doc('x').update({ data: { a: 1 } })]) {
      const error = await rejection(call);
      expect(error.errCode).toBe(-502005);
      expect(error.errMsg).toContain('database collection not exists');
    }
  });

  it('creates a collection with db.createCollection, once', async () => {
    await db.createCollection('created_later');
    await db.collection('created_later').add({ data: { a: 1 } });
    expect(database.collectionNames()).toContain('created_later');
    await expect(db.createCollection('created_later')).rejects.toMatchObject({ errMsg: expect.stringContaining('Table exist') });
  });
});
