/**
 * Writing through the genuine wx-server-sdk: update commands, doc.set, where().update/remove, and
 * the stats the cloud reports for each.
 */
import type { LocalDatabase } from '../../local/db';
import { openInstalled, rejection, sdkDatabase, tempDir, type Doc, type SdkDatabase } from './db-helpers';

const temp = tempDir('updates');
let database: LocalDatabase;
let db: SdkDatabase;

beforeAll(async () => {
  database = await openInstalled(temp.dir, [{ name: 'docs', indexes: [] }]);
  db = sdkDatabase();
});

afterAll(async () => {
  await database.close();
  temp.remove();
});

let sequence = 0;

/** Adds a document, applies one update to it and returns what is stored afterwards. */
async function afterUpdate(initial: Doc, data: object): Promise<Doc> {
  const id = `doc-${(sequence += 1)}`;
  await db.collection('docs').add({ data: { _id: id, ...initial } });
  await db.collection('docs').doc(id).update({ data });
  const { data: stored } = await db.collection('docs').doc(id).get();
  const { _id: _unused, ...fields } = stored;
  return fields;
}

describe('update commands', () => {
  it('plain fields merge, nested objects included; _.set replaces a whole field', async () => {
    const _ = db.command;
    expect(await afterUpdate({ owner: { city: 'A', zip: 1 }, keep: true }, { owner: { city: 'B' } })).toEqual({
      owner: { city: 'B', zip: 1 },
      keep: true,
    });
    expect(await afterUpdate({ owner: { city: 'A', zip: 1 } }, { owner: _.set({ city: 'B' }) })).toEqual({ owner: { city: 'B' } });
    expect(await afterUpdate({}, { 'deep.path.value': 1 })).toEqual({ deep: { path: { value: 1 } } });
  });

  it('inc, mul, min and max', async () => {
    const _ = db.command;
    expect(await afterUpdate({ n: 1 }, { n: _.inc(2), missing: _.inc(5) })).toEqual({ n: 3, missing: 5 });
    expect(await afterUpdate({ n: 3 }, { n: _.mul(4), missing: _.mul(2) })).toEqual({ n: 12, missing: 0 });
    expect(await afterUpdate({ low: 5, high: 5 }, { low: _.min(3), high: _.min(9) })).toEqual({ low: 3, high: 5 });
    expect(await afterUpdate({ low: 5, high: 5 }, { low: _.max(3), high: _.max(9) })).toEqual({ low: 5, high: 9 });
  });

  it('push, with each / position / slice / sort', async () => {
    const _ = db.command;
    expect(await afterUpdate({ list: ['a'] }, { list: _.push(['b', 'c']) })).toEqual({ list: ['a', 'b', 'c'] });
    expect(await afterUpdate({}, { list: _.push('only') })).toEqual({ list: ['only'] });
    expect(await afterUpdate({ list: ['a', 'b'] }, { list: _.push({ each: ['z'], position: 1 }) })).toEqual({ list: ['a', 'z', 'b'] });
    expect(await afterUpdate({ list: [1, 2, 3] }, { list: _.push({ each: [4], slice: -2 }) })).toEqual({ list: [3, 4] });
    expect(await afterUpdate({ list: [3, 1] }, { list: _.push({ each: [2], sort: 1 }) })).toEqual({ list: [1, 2, 3] });
    expect(await afterUpdate({ list: ['b'] }, { list: _.unshift('a') })).toEqual({ list: ['a', 'b'] });
  });

  it('pull by value, by condition and by sub-document; pullAll; pop and shift', async () => {
    const _ = db.command;
    expect(await afterUpdate({ list: ['x', 'y', 'x'] }, { list: _.pull('x') })).toEqual({ list: ['y'] });
    expect(await afterUpdate({ list: [1, 5, 10] }, { list: _.pull(_.gte(5)) })).toEqual({ list: [1] });
    expect(await afterUpdate({ list: ['a', 'b', 'c'] }, { list: _.pull(_.in(['a', 'c'])) })).toEqual({ list: ['b'] });
    expect(
      await afterUpdate({ items: [{ sku: 's1', qty: 1 }, { sku: 's2', qty: 2 }] }, { items: _.pull({ sku: 's1' }) }),
    ).toEqual({ items: [{ sku: 's2', qty: 2 }] });
    expect(await afterUpdate({ list: [1, 2, 3] }, { list: _.pullAll([1, 3]) })).toEqual({ list: [2] });
    expect(await afterUpdate({ list: [1, 2, 3] }, { list: _.pop() })).toEqual({ list: [1, 2] });
    expect(await afterUpdate({ list: [1, 2, 3] }, { list: _.shift() })).toEqual({ list: [2, 3] });
  });

  it('addToSet adds only what is missing', async () => {
    const _ = db.command;
    expect(await afterUpdate({ tags: ['a'] }, { tags: _.addToSet('a') })).toEqual({ tags: ['a'] });
    // As in the documented example: the SDK passes the object through, so it is MongoDB's `$each`.
    expect(await afterUpdate({ tags: ['a'] }, { tags: _.addToSet({ $each: ['a', 'b', 'b'] }) })).toEqual({ tags: ['a', 'b'] });
  });

  it('remove deletes a field; rename moves one', async () => {
    const _ = db.command;
    expect(await afterUpdate({ gone: 1, kept: 2, nested: { gone: 1, kept: 2 } }, { gone: _.remove(), 'nested.gone': _.remove() })).toEqual({
      kept: 2,
      nested: { kept: 2 },
    });
    expect(await afterUpdate({ old: 1 }, { old: _.rename('renamed') })).toEqual({ renamed: 1 });
  });

  it('stores dates and server dates', async () => {
    const stored = await afterUpdate({}, { at: new Date('2024-05-01T00:00:00Z'), now: db.serverDate() });
    expect(stored.at).toEqual(new Date('2024-05-01T00:00:00Z'));
    expect(Math.abs((stored.now as Date).getTime() - Date.now())).toBeLessThan(5_000);
  });

  it('refuses inc on a field that is not a number, like the cloud, and changes nothing', async () => {
    const _ = db.command;
    await db.collection('docs').add({ data: { _id: 'text', n: 'one', m: 1 } });
    const error = await rejection(db.collection('docs').doc('text').update({ data: { m: _.inc(1), n: _.inc(1) } }));
    expect(error.errCode).toBe(-502001);
    expect(error.errMsg).toContain('database request fail');
    expect((await db.collection('docs').doc('text').get()).data).toEqual({ _id: 'text', n: 'one', m: 1 });
  });

  it('refuses an object merged into a field that holds null, like the cloud; _.set writes it whole', async () => {
    const _ = db.command;
    await db.collection('docs').add({ data: { _id: 'null-parent', activation: null } });
    const error = await rejection(db.collection('docs').doc('null-parent').update({ data: { activation: { code: 'x' } } }));
    expect(error.errCode).toBe(-502001);
    expect((await db.collection('docs').doc('null-parent').get()).data).toEqual({ _id: 'null-parent', activation: null });
    await db.collection('docs').doc('null-parent').update({ data: { activation: _.set({ code: 'x' }) } });
    expect((await db.collection('docs').doc('null-parent').get()).data).toEqual({ _id: 'null-parent', activation: { code: 'x' } });
  });
});

describe('stats', () => {
  it('doc.update reports 1 when it changed the document and 0 when there is none', async () => {
    await db.collection('docs').add({ data: { _id: 'stats', n: 1 } });
    expect((await db.collection('docs').doc('stats').update({ data: { n: 2 } })).stats.updated).toBe(1);
    expect((await db.collection('docs').doc('absent').update({ data: { n: 2 } })).stats.updated).toBe(0);
    // MongoDB counts modified documents: writing the value already there modifies nothing.
    expect((await db.collection('docs').doc('stats').update({ data: { n: 2 } })).stats.updated).toBe(0);
  });

  it('doc.set replaces the whole document, or creates it', async () => {
    await db.collection('docs').add({ data: { _id: 'replaced', a: 1, b: 2 } });
    const replaced = await db.collection('docs').doc('replaced').set({ data: { c: 3 } });
    expect(replaced.stats).toEqual({ updated: 1, created: 0 });
    expect((await db.collection('docs').doc('replaced').get()).data).toEqual({ _id: 'replaced', c: 3 });
    const created = await db.collection('docs').doc('brand-new').set({ data: { d: 4 } });
    expect(created).toMatchObject({ _id: 'brand-new', stats: { updated: 0, created: 1 } });
    expect((await db.collection('docs').doc('brand-new').get()).data).toEqual({ _id: 'brand-new', d: 4 });
  });

  it('where().update changes every match unless multi is false; where().remove removes them', async () => {
    const _ = db.command;
    await db.collection('docs').add({ data: [{ group: 'g', n: 1 }, { group: 'g', n: 2 }, { group: 'g', n: 3 }, { group: 'other', n: 4 }] });
    expect((await db.collection('docs').where({ group: 'g' }).update({ data: { n: _.inc(10) } })).stats.updated).toBe(3);
    expect((await db.collection('docs').where({ group: 'g' }).update({ data: { flag: true }, multi: false })).stats.updated).toBe(1);
    const groupG = (await db.collection('docs').where({ group: 'g' }).orderBy('n', 'asc').get()).data;
    expect(groupG.map((doc) => doc.n)).toEqual([11, 12, 13]);
    expect(groupG.filter((doc) => doc.flag === true)).toHaveLength(1);
    expect((await db.collection('docs').where({ group: 'g', n: _.gt(11) }).remove()).stats.removed).toBe(2);
    expect((await db.collection('docs').where({ group: _.in(['g', 'other']) }).count()).total).toBe(2);
  });

  it('doc.remove removes one document and reports it', async () => {
    await db.collection('docs').add({ data: { _id: 'to-remove' } });
    expect((await db.collection('docs').doc('to-remove').remove()).stats.removed).toBe(1);
    expect((await db.collection('docs').doc('to-remove').remove()).stats.removed).toBe(0);
  });

  it('add returns the given _id, or a new 32-hex-character one', async () => {
    expect((await db.collection('docs').add({ data: { _id: 'chosen' } }))._id).toBe('chosen');
    expect((await db.collection('docs').add({ data: { x: 1 } }))._id).toMatch(/^[0-9a-f]{32}$/);
    expect(await database.dump('docs')).toEqual(expect.arrayContaining([{ _id: 'chosen' }]));
  });
});
