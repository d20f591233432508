/**
 * Unique indexes from cloudfunctions/shared/schema.ts, enforced like the cloud's (a violating write
 * rejects with -502001 "E11000 duplicate key error" and writes nothing), and durability across
 * closing and reopening the store.
 */
import { ALL_COLLECTIONS, type CollectionSpec } from '../../cloudfunctions/shared/schema';
import type { LocalDatabase } from '../../local/db';
import { openInstalled, rejection, sdkDatabase, tempDir, type Doc, type SdkDatabase } from './db-helpers';

const temp = tempDir('indexes');
let database: LocalDatabase;
let db: SdkDatabase;

beforeAll(async () => {
  database = await openInstalled(temp.dir, ALL_COLLECTIONS);
  db = sdkDatabase();
});

afterAll(async () => {
  await database.close();
  temp.remove();
});

function expectDuplicateKey(error: { errCode: number; errMsg: string }, indexName: string): void {
  expect(error.errCode).toBe(-502001);
  expect(error.errMsg).toContain('database request fail');
  expect(error.errMsg).toContain('E11000 duplicate key error');
  expect(error.errMsg).toContain(`index: ${indexName}`);
}

const uniqueIndexes = ALL_COLLECTIONS.flatMap((collection: CollectionSpec) =>
  collection.indexes.filter((index) => index.unique).map((index) => ({ collection, index })),
);

/** A document filling every unique field of a collection with values tagged by `tag`. */
function documentFor(collection: CollectionSpec, tag: string): Doc {
  const doc: Doc = {};
  for (const index of collection.indexes) for (const field of index.fields) doc[field] = `${tag}-${field}`;
  return doc;
}

describe('every unique index of the schema', () => {
  it('exists', () => {
    expect(uniqueIndexes.length).toBeGreaterThan(0);
    expect(database.collectionNames()).toEqual(expect.arrayContaining(ALL_COLLECTIONS.map((collection) => collection.name)));
  });

  it.each(uniqueIndexes.map(({ collection, index }) => [collection.name, index.fields.join(', '), collection, index] as const))(
    '%s (%s) refuses a second document with the same key and writes nothing',
    async (name, _fields, collection, index) => {
      const first = documentFor(collection, `first-of-${index.fields.join('-')}`);
      const second = { ...documentFor(collection, `second-of-${index.fields.join('-')}`), ...Object.fromEntries(index.fields.map((field) => [field, first[field]])) };
      await db.collection(name).add({ data: first });
      const before = (await database.dump(name)).length;
      expectDuplicateKey(await rejection(db.collection(name).add({ data: second })), index.fields.map((field) => `${field}_1`).join('_'));
      expect(await database.dump(name)).toHaveLength(before);
    },
  );
});

describe('compound unique indexes', () => {
  it('a compound index refuses only the same combination', async () => {
    const bill = { studentId: 's1', term: '2024-1', itemCode: 'TUITION', amount: 100 };
    await db.collection('bills').add({ data: bill });
    await db.collection('bills').add({ data: { ...bill, itemCode: 'BOOKS' } });
    await db.collection('bills').add({ data: { ...bill, term: '2024-2' } });
    expectDuplicateKey(await rejection(db.collection('bills').add({ data: { ...bill, amount: 200 } })), 'studentId_1_term_1_itemCode_1');
    expect((await db.collection('bills').where({ studentId: 's1' }).count()).total).toBe(3);
  });

  it('an update or set that would duplicate a key is refused and changes nothing', async () => {
    await db.collection('orders').add({ data: { _id: 'order-a', outTradeNo: 'dup-a' } });
    await db.collection('orders').add({ data: { _id: 'order-b', outTradeNo: 'dup-b', note: 'kept' } });
    expectDuplicateKey(await rejection(db.collection('orders').doc('order-b').update({ data: { outTradeNo: 'dup-a' } })), 'outTradeNo_1');
    expectDuplicateKey(await rejection(db.collection('orders').doc('order-b').set({ data: { outTradeNo: 'dup-a' } })), 'outTradeNo_1');
    expect((await db.collection('orders').doc('order-b').get()).data).toEqual({ _id: 'order-b', outTradeNo: 'dup-b', note: 'kept' });
  });

  it('a where().update that would duplicate a key changes none of its matches', async () => {
    await db.collection('messages').add({ data: [{ key: 'm-1', batch: 'x' }, { key: 'm-2', batch: 'x' }] });
    expectDuplicateKey(await rejection(db.collection('messages').where({ batch: 'x' }).update({ data: { key: 'same' } })), 'key_1');
    const keys = (await db.collection('messages').where({ batch: 'x' }).get()).data.map((doc) => doc.key).sort();
    expect(keys).toEqual(['m-1', 'm-2']);
  });

  it('_id is unique too', async () => {
    await db.collection('staff').add({ data: { _id: 'openid-1', role: 'admin' } });
    expectDuplicateKey(await rejection(db.collection('staff').add({ data: { _id: 'openid-1', role: 'viewer' } })), '_id_');
    expect((await db.collection('staff').doc('openid-1').get()).data.role).toBe('admin');
  });
});

describe('durability', () => {
  it('keeps every committed write across closing and reopening in the same directory', async () => {
    const { _id } = await db.collection('auditLog').add({ data: { at: new Date('2024-01-01T00:00:00Z'), what: 'created', n: 1.5 } });
    await db.collection('auditLog').doc(_id).update({ data: { what: 'updated' } });
    await db.collection('auditLog').add({ data: { _id: 'gone' } });
    await db.collection('auditLog').doc('gone').remove();
    await db.createCollection('made_at_runtime');
    await db.collection('made_at_runtime').add({ data: { _id: 'r', v: 1 } });
    const before = await database.dump('bills');
    await database.close();

    database = await openInstalled(temp.dir, ALL_COLLECTIONS);
    const { data } = await db.collection('auditLog').doc(_id).get();
    expect(data).toEqual({ _id, at: new Date('2024-01-01T00:00:00Z'), what: 'updated', n: 1.5 });
    await expect(db.collection('auditLog').doc('gone').get()).rejects.toMatchObject({ errMsg: expect.stringContaining('does not exist') });
    expect(await database.dump('bills')).toEqual(before);
    expect((await db.collection('made_at_runtime').doc('r').get()).data).toEqual({ _id: 'r', v: 1 });
    // The indexes come back too.
    const bill = before[0]!;
    expectDuplicateKey(
      await rejection(db.collection('bills').add({ data: { studentId: bill.studentId, term: bill.term, itemCode: bill.itemCode } })),
      'studentId_1_term_1_itemCode_1',
    );
  });

  it('follows the schema: an index dropped from it stops being enforced on the next open', async () => {
    const other = tempDir('indexes-schema');
    const withIndex = [{ name: 'things', indexes: [{ fields: ['code'], unique: true }] }];
    let local = await openInstalled(other.dir, withIndex);
    try {
      await db.collection('things').add({ data: { code: 'c' } });
      await local.close();
      local = await openInstalled(other.dir, [{ name: 'things', indexes: [] }]);
      await db.collection('things').add({ data: { code: 'c' } });
      expect(await local.dump('things')).toHaveLength(2);
      await local.close();
      // A unique index the existing data already violates cannot be created: opening says so.
      await expect(openInstalled(other.dir, withIndex)).rejects.toThrow(/cannot create unique index code_1 on things/);
    } finally {
      database.install();
      other.remove();
    }
  });
});
