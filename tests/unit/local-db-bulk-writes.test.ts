/**
 * Many documents in one request, as an import chunk sends them: all of them are written or none,
 * the unique indexes hold with the cloud's key rules, and what was written reads back exactly,
 * also after the files are closed and opened again.
 */
import type { LocalDatabase } from '../../local/db';
import { openInstalled, rejection, sdkDatabase, tempDir, type Doc, type SdkDatabase } from '../local/db-helpers';

const collections = [
  { name: 'bills', indexes: [{ fields: ['studentId', 'term', 'itemCode'], unique: true }] },
  { name: 'codes', indexes: [{ fields: ['code'], unique: true }] },
  { name: 'tagged', indexes: [{ fields: ['tags'], unique: true }] },
  { name: 'mixed', indexes: [] },
];

const temp = tempDir('bulk-writes');
let database: LocalDatabase;
let db: SdkDatabase;

beforeAll(async () => {
  database = await openInstalled(temp.dir, collections);
  db = sdkDatabase();
});

afterAll(async () => {
  await database.close();
  temp.remove();
});

async function reopen(): Promise<void> {
  await database.close();
  database = await openInstalled(temp.dir, collections);
}

const bill = (studentId: string, itemCode = 'XF'): Doc => ({ studentId, term: '2026-2027-1', itemCode, amount: 320000 });
const count = async (name: string): Promise<number> => (await db.collection(name).count()).total;

describe('a batch insert', () => {
  it('that repeats a stored key writes none of its documents, and they stay unwritten after reopening', async () => {
    await db.collection('bills').add({ data: bill('s1') });
    const error = await rejection(db.collection('bills').add({ data: [bill('s2'), bill('s3'), bill('s1')] }));
    expect(error.errMsg).toContain('E11000 duplicate key error collection: bills index: studentId_1_term_1_itemCode_1');
    expect(await count('bills')).toBe(1);

    await reopen();
    expect(await count('bills')).toBe(1);
    // The refused batch took no key: its good documents go in on their own.
    await db.collection('bills').add({ data: [bill('s2'), bill('s3')] });
    expect(await count('bills')).toBe(3);
  });

  it('whose own documents share a key is refused whole', async () => {
    const error = await rejection(db.collection('bills').add({ data: [bill('s4'), bill('s5'), bill('s5')] }));
    expect(error.errMsg).toContain('index: studentId_1_term_1_itemCode_1');
    expect((await db.collection('bills').where({ studentId: db.command.in(['s4', 's5']) }).get()).data).toEqual([]);
  });

  it('with an _id already taken is refused whole', async () => {
    await db.collection('codes').add({ data: { _id: 'taken', code: 'c-taken' } });
    const error = await rejection(db.collection('codes').add({ data: [{ _id: 'fresh', code: 'c-fresh' }, { _id: 'taken', code: 'c-other' }] }));
    expect(error.errMsg).toContain('index: _id_');
    expect(await db.collection('codes').where({ _id: db.command.in(['fresh', 'taken']) }).count()).toMatchObject({ total: 1 });
  });

  it('reads back exactly what it wrote, also after reopening', async () => {
    const docs = Array.from({ length: 300 }, (_, i) => ({
      _id: `m-${String(i).padStart(3, '0')}`,
      name: `学生${i}`,
      amount: i * 100 + 50,
      large: 2 ** 40 + i,
      ratio: i / 7,
      negative: -i - 1,
      paid: i % 2 === 0,
      orderId: null,
      deadline: new Date(Date.UTC(2026, 11, 31, 15, 59, 59, 999) - i * 86_400_000),
      before1970: new Date(-86_400_000 * (i + 1)),
      lines: [{ item: '学费', fen: 320000 }, { item: 'line\nbreak "quoted"', fen: i }],
      nested: { tags: ['a', i], empty: {}, none: [] },
    }));
    await db.collection('mixed').add({ data: docs });
    const read = async (): Promise<Doc[]> => (await db.collection('mixed').limit(1000).get()).data;
    expect(await read()).toEqual(docs);
    await reopen();
    expect(await read()).toEqual(docs);
  });
});

describe('unique keys follow the cloud database', () => {
  it('a missing field and null are the same key', async () => {
    await db.collection('codes').add({ data: { _id: 'no-code' } });
    expect((await rejection(db.collection('codes').add({ data: { code: null } }))).errMsg).toContain('index: code_1 dup key: { code: null }');
    expect((await rejection(db.collection('codes').add({ data: { other: 1 } }))).errMsg).toContain('index: code_1');
  });

  it('an array holds each of its elements, and an update that takes one is refused', async () => {
    await db.collection('tagged').add({ data: [{ _id: 't1', tags: ['a', 'b'] }, { _id: 't2', tags: ['c'] }] });
    expect((await rejection(db.collection('tagged').add({ data: { tags: ['b', 'z'] } }))).errMsg).toContain('index: tags_1');
    expect((await rejection(db.collection('tagged').doc('t2').update({ data: { tags: ['c', 'a'] } }))).errMsg).toContain('index: tags_1');
    expect((await db.collection('tagged').doc('t2').get()).data).toEqual({ _id: 't2', tags: ['c'] });
    // A key given up by an update is free again.
    await db.collection('tagged').doc('t1').update({ data: { tags: ['a'] } });
    await db.collection('tagged').add({ data: { _id: 't3', tags: ['b'] } });
    expect(await count('tagged')).toBe(3);
  });
});

describe('a transaction adding several documents to one collection', () => {
  it('commits all of them, or none when one of them takes a stored key', async () => {
    await db.runTransaction(async (transaction) => {
      for (const code of ['x1', 'x2', 'x3']) await transaction.collection('codes').add({ data: { _id: code, code } });
    });
    expect(await db.collection('codes').where({ code: db.command.in(['x1', 'x2', 'x3']) }).count()).toMatchObject({ total: 3 });

    const transaction = await db.startTransaction();
    for (const code of ['y1', 'y2']) await transaction.collection('codes').add({ data: { _id: code, code } });
    await transaction.collection('codes').add({ data: { _id: 'y3', code: 'race' } });
    await db.collection('codes').add({ data: { code: 'race' } });
    await expect(transaction.commit()).rejects.toMatchObject({ message: expect.stringContaining('E11000') });
    expect(await db.collection('codes').where({ _id: db.command.in(['y1', 'y2', 'y3']) }).count()).toMatchObject({ total: 0 });
  });
});
