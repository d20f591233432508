/**
 * The local database sits under the genuine wx-server-sdk at one seam: @cloudbase/database sends
 * every request through `new Db.reqClass(config).send(action, params)`. These tests fail loudly if
 * an SDK upgrade moves that seam or changes what crosses it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Db } from '@cloudbase/database';
import type { LocalDatabase } from '../../local/db';
import { openInstalled, rejection, sdkDatabase, tempDir } from './db-helpers';

type Params = Record<string, unknown>;
type RequestClass = new (config?: unknown) => { send(action: string, params?: Params): Promise<unknown> };

const collections = [{ name: 'seam', indexes: [{ fields: ['key'], unique: true }] }];

const temp = tempDir('seam');
let database: LocalDatabase;

beforeAll(async () => {
  database = await openInstalled(temp.dir, collections);
});

afterAll(async () => {
  await database.close();
  temp.remove();
});

/** Wraps the installed request class to record what the SDK sends, optionally replacing answers. */
function recordRequests(
  override?: (action: string, params: Params | undefined, inner: InstanceType<RequestClass>) => Promise<unknown> | undefined,
): {
  calls: { action: string; params: Params | undefined }[];
  restore: () => void;
} {
  const installed = (Db as unknown as { reqClass: RequestClass }).reqClass;
  const calls: { action: string; params: Params | undefined }[] = [];
  class RecordingRequest {
    private readonly inner: InstanceType<RequestClass>;
    constructor(config?: unknown) {
      this.inner = new installed(config);
    }
    send(action: string, params?: Params): Promise<unknown> {
      calls.push({ action, params: params && (JSON.parse(JSON.stringify(params)) as Params) });
      return override?.(action, params, this.inner) ?? this.inner.send(action, params);
    }
  }
  Object.defineProperty(Db, 'reqClass', { configurable: true, get: () => RecordingRequest, set: () => undefined });
  return { calls, restore: () => database.install() };
}

const versionOf = (packageJson: string): string => (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;

describe('the SDK versions the local cloud was built against', () => {
  it('runs wx-server-sdk 4.0.2 over a single copy of @cloudbase/database 1.4.3', () => {
    const sdkRoot = path.dirname(require.resolve('wx-server-sdk/package.json'));
    expect(versionOf(require.resolve('wx-server-sdk/package.json'))).toBe('4.0.2');
    const nodeSdk = require.resolve('@cloudbase/node-sdk/package.json', { paths: [sdkRoot] });
    const databaseSeenByNodeSdk = require.resolve('@cloudbase/database/package.json', { paths: [path.dirname(nodeSdk)] });
    // If node-sdk got its own nested copy, installing on ours would reach nothing.
    expect(databaseSeenByNodeSdk).toBe(require.resolve('@cloudbase/database/package.json'));
    expect(versionOf(require.resolve('@cloudbase/database/package.json'))).toBe('1.4.3');
  });
});

describe('Db.reqClass', () => {
  it('stays installed although node-sdk reassigns it on every cloud.database()', async () => {
    const installed = (Db as unknown as { reqClass: unknown }).reqClass;
    sdkDatabase();
    sdkDatabase();
    expect((Db as unknown as { reqClass: unknown }).reqClass).toBe(installed);
    const seen: string[] = [];
    const stop = database.onRoundTrip((action) => seen.push(action));
    await sdkDatabase().collection('seam').count();
    stop();
    expect(seen).toEqual(['database.calculateDocument']);
  });

  it('receives every kind of request, with the parameters the local database parses', async () => {
    const db = sdkDatabase();
    const _ = db.command;
    const { calls, restore } = recordRequests();
    try {
      const { _id } = await db.collection('seam').add({ data: { key: 'a', n: 1, at: new Date(0) } });
      await db
        .collection('seam')
        .where({ key: _.in(['a']), n: _.gt(0) })
        .orderBy('n', 'desc')
        .skip(0)
        .limit(5)
        .field({ key: true })
        .get();
      await db.collection('seam').doc(_id).update({ data: { n: _.inc(1) } });
      await db.collection('seam').doc('fixed').set({ data: { key: 'b' } });
      await db.collection('seam').where({ key: 'b' }).count();
      await db.runTransaction(async (transaction) => {
        await transaction.collection('seam').doc(_id).get();
        await transaction.collection('seam').doc(_id).update({ data: { n: _.inc(1) } });
      });
      await db.collection('seam').where({ key: 'b' }).remove();
      await db.collection('seam').doc(_id).remove();
    } finally {
      restore();
    }

    expect(calls.map((call) => call.action)).toEqual([
      'database.insertDocument',
      'database.getDocument',
      'database.modifyDocument',
      'database.modifyDocument',
      'database.calculateDocument',
      'database.startTransaction',
      'database.getDocument',
      'database.modifyDocument',
      'database.commitTransaction',
      'database.removeDocument',
      'database.removeDocument',
    ]);
    const [insert, query, update, set, count, , txGet, txUpdate, commit, whereRemove, docRemove] = calls.map((call) => call.params!);
    expect(insert).toMatchObject({ collectionName: 'seam', data: [expect.stringContaining('"$date"')] });
    expect(query).toMatchObject({ queryType: 'WHERE', limit: 5, query: expect.stringContaining('"$in"'), order: '{"n":{"$numberInt":"-1"}}' });
    expect(query!.projection).toBe('{"key":{"$numberInt":"1"}}');
    expect(update).toMatchObject({ queryType: 'DOC', multi: false, merge: true, upsert: false, data: '{"$inc":{"n":{"$numberInt":"1"}}}' });
    expect(set).toMatchObject({ queryType: 'DOC', merge: false, upsert: true, query: '{"_id":"fixed"}' });
    expect(count).toMatchObject({ queryType: 'WHERE', collectionName: 'seam' });
    expect(txGet).toMatchObject({ queryType: 'DOC', transactionId: expect.any(String) });
    expect(txUpdate).toMatchObject({ queryType: 'DOC', merge: true, transactionId: txGet!.transactionId });
    expect(commit).toEqual({ transactionId: txGet!.transactionId });
    expect(whereRemove).toMatchObject({ queryType: 'WHERE', multi: true });
    expect(docRemove).toMatchObject({ queryType: 'DOC', multi: false });
  });

  it('a query without limit asks for 100 and a larger limit is cut to 1000 by the SDK', async () => {
    const db = sdkDatabase();
    const { calls, restore } = recordRequests();
    try {
      await db.collection('seam').get();
      await db.collection('seam').limit(5000).get();
    } finally {
      restore();
    }
    expect(calls.map((call) => call.params!.limit)).toEqual([100, 1000]);
  });
});

describe('how the SDK surfaces a failing request', () => {
  it('maps the error code to errCode and keeps the message in errMsg', async () => {
    const error = await rejection(sdkDatabase().collection('no_such_collection').get());
    expect(error.errCode).toBe(-502005);
    expect(error.errMsg).toMatch(/^collection\.get:fail -502005 database collection not exists\. /);
  });

  it('runTransaction reruns the callback when commit reports a conflict, and only then', async () => {
    const db = sdkDatabase();
    let commits = 0;
    const { restore } = recordRequests((action, params, inner) => {
      if (action === 'database.commitTransaction' && commits++ === 0) {
        // As the cloud does with a conflicting transaction: it is gone, and commit says why.
        return inner.send('database.abortTransaction', params).then(() => {
          throw Object.assign(new Error('conflict'), { code: 'DATABASE_TRANSACTION_CONFLICT' });
        });
      }
      return undefined;
    });
    let runs = 0;
    try {
      await db.runTransaction(async () => {
        runs += 1;
      });
    } finally {
      restore();
    }
    expect(runs).toBe(2);
  });

  it('a later database replaces an earlier one when installed', async () => {
    const other = tempDir('seam-other');
    const second = await openInstalled(other.dir, [{ name: 'elsewhere', indexes: [] }]);
    try {
      await sdkDatabase().collection('elsewhere').add({ data: { x: 1 } });
      expect(await second.dump('elsewhere')).toHaveLength(1);
      expect((await rejection(sdkDatabase().collection('seam').count())).errCode).toBe(-502005);
    } finally {
      await second.close();
      database.install();
      other.remove();
    }
  });
});
