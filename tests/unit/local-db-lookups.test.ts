/**
 * Reads that the local database answers through a unique index (an equality or `$in` on the
 * indexed field, in find() and in an aggregation's first $match) give what reading every document
 * gives: the same documents in the same order. A collection without the index is the reference.
 */
import type { LocalDatabase } from '../../local/db';
import { aggregateOf, openInstalled, sdkDatabase, tempDir, type Doc, type SdkDatabase } from '../local/db-helpers';

const temp = tempDir('lookups');
let database: LocalDatabase;
let db: SdkDatabase;

const people: Doc[] = [
  { _id: 'p-07', no: '2026000007', name: '七', college: '法学院', aliases: ['seven', 'qi'] },
  { _id: 'p-03', no: '2026000003', name: '三', college: '法学院' },
  { _id: 12, no: 12, name: 'twelve as a number' },
  { _id: 'p-10', no: '2026000010', name: '十', college: '信息工程学院', aliases: ['ten'] },
  { _id: 'p-01', no: '2026000001', name: '一' },
  { _id: 3, no: '12', name: 'twelve as text' },
  { _id: 'p-05', no: true, name: 'a boolean' },
  { _id: 'p-00', no: 0, name: 'zero' },
  { _id: 'p-11', name: 'no number at all' },
];

beforeAll(async () => {
  database = await openInstalled(temp.dir, [
    { name: 'indexed', indexes: [{ fields: ['no'], unique: true }, { fields: ['aliases'], unique: true, sparse: true }] },
    { name: 'scanned', indexes: [] },
  ]);
  db = sdkDatabase();
  await db.collection('indexed').add({ data: people });
  await db.collection('scanned').add({ data: people });
});

afterAll(async () => {
  await database.close();
  temp.remove();
});

type Command = SdkDatabase['command'];

const CONDITIONS: readonly (readonly [label: string, condition: (_: Command) => object, matches: number])[] = [
  ['a text', () => ({ no: '2026000003' }), 1],
  ['a number, not the same text', () => ({ no: 12 }), 1],
  ['a text, not the same number', () => ({ no: '12' }), 1],
  ['a boolean', () => ({ no: true }), 1],
  ['zero', () => ({ no: 0 }), 1],
  ['a value nobody has', () => ({ no: 'missing' }), 0],
  ['$in of texts, listed out of order', (_) => ({ no: _.in(['2026000010', '2026000001', '2026000007', 'missing']) }), 3],
  ['$in mixing types', (_) => ({ no: _.in([12, '12', 0, false]) }), 3],
  ['$in with another condition', (_) => ({ no: _.in(['2026000003', '2026000007']), college: '法学院', name: _.neq('三') }), 1],
  ['an element of an array field', () => ({ aliases: 'qi' }), 1],
  ['$in over an array field', (_) => ({ aliases: _.in(['ten', 'seven', 'nobody']) }), 2],
  ['_id $in, numbers and texts', (_) => ({ _id: _.in(['p-10', 3, 12, 'p-00', 'nobody']) }), 4],
];

/** The store's natural order: by `_id`, numbers before texts. */
const naturalOrder = [...people].sort((a, b) => {
  const [x, y] = [a._id as string | number, b._id as string | number];
  if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
  return x < y ? -1 : 1;
});

describe('an index lookup answers as reading every document does', () => {
  it.each(CONDITIONS)('in find(): %s', async (_label, condition, matches) => {
    const [indexed, scanned] = await Promise.all(['indexed', 'scanned'].map(async (name) => (await db.collection(name).where(condition(db.command)).get()).data));
    expect(indexed).toHaveLength(matches);
    expect(indexed).toEqual(scanned);
    expect(indexed.map((doc) => doc._id)).toEqual(scanned.map((doc) => doc._id));
  });

  it('in an aggregation whose first stage is the $match, with a projection of some fields', async () => {
    const _ = db.command;
    const pipeline = (name: string) =>
      aggregateOf(db.collection(name))
        .match({ no: _.in(['2026000010', '2026000003', 12, 'missing']) })
        .project({ no: 1, name: 1, college: 1 })
        .limit(10)
        .end();
    const [indexed, scanned] = await Promise.all([pipeline('indexed'), pipeline('scanned')]);
    expect(indexed.list).toEqual(scanned.list);
    expect(indexed.list).toEqual([
      { _id: 12, no: 12, name: 'twelve as a number' },
      { _id: 'p-03', no: '2026000003', name: '三', college: '法学院' },
      { _id: 'p-10', no: '2026000010', name: '十', college: '信息工程学院' },
    ]);
  });
});

describe('a projection that keeps top-level fields', () => {
  it('gives what the general projection gives, field order included', async () => {
    // 2 includes a field as 1 does, but only the general projection reads it.
    const picked = await aggregateOf(db.collection('indexed')).project({ name: 1, no: 1, college: 1 }).limit(20).end();
    const general = await aggregateOf(db.collection('indexed')).project({ name: 2, no: 2, college: 2 }).limit(20).end();
    expect(JSON.stringify(picked.list)).toBe(JSON.stringify(general.list));
    const withoutId = await aggregateOf(db.collection('indexed')).project({ _id: 0, name: 1 }).limit(20).end();
    expect(withoutId.list).toEqual(naturalOrder.map(({ name }) => ({ name })));
  });
});
