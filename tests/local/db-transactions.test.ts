/**
 * Transactions through the genuine wx-server-sdk: all or nothing, isolated until commit, serialized
 * (100 concurrent read-modify-write transactions lose nothing), single-document operations only,
 * and bounded waits so a stuck transaction fails instead of hanging.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LocalDatabase } from '../../local/db';
import { openInstalled, rejection, sdkDatabase, sleep, tempDir, type SdkDatabase } from './db-helpers';

const collections = [
  { name: 'accounts', indexes: [] },
  { name: 'keys', indexes: [{ fields: ['key'], unique: true }] },
  { name: 'counters', indexes: [] },
];

const temp = tempDir('transactions');
let database: LocalDatabase;
let db: SdkDatabase;

beforeAll(async () => {
  database = await openInstalled(temp.dir, collections);
  db = sdkDatabase();
  await db.collection('accounts').add({ data: [{ _id: 'alice', balance: 100 }, { _id: 'bob', balance: 0 }] });
});

afterAll(async () => {
  await database.close();
  temp.remove();
});

const balance = async (id: string): Promise<unknown> => (await db.collection('accounts').doc(id).get()).data.balance;
const keyCount = async (key: string): Promise<number> => (await db.collection('keys').where({ key }).count()).total;

/** Runs `body` against a second database with its own timeouts, then routes the SDK back. */
async function withDatabase(options: { transactionTimeoutMs?: number; lockWaitTimeoutMs?: number }, body: () => Promise<void>): Promise<void> {
  const other = tempDir('transactions-timeouts');
  const local = await openInstalled(other.dir, collections, options);
  try {
    await body();
  } finally {
    await local.close();
    database.install();
    other.remove();
  }
}

describe('runTransaction', () => {
  it('commits every write together and returns what the callback returns; reads see the transaction’s own writes', async () => {
    const _ = db.command;
    const result = await db.runTransaction(async (transaction) => {
      const before = (await transaction.collection('accounts').doc('alice').get()).data;
      await transaction.collection('accounts').doc('alice').update({ data: { balance: _.inc(-30) } });
      await transaction.collection('accounts').doc('bob').update({ data: { balance: _.inc(30) } });
      const { _id } = await transaction.collection('keys').add({ data: { key: 'transfer-1' } });
      const after = (await transaction.collection('accounts').doc('alice').get()).data;
      return { before: before.balance, after: after.balance, added: (await transaction.collection('keys').doc(_id).get()).data.key };
    });
    expect(result).toEqual({ before: 100, after: 70, added: 'transfer-1' });
    expect([await balance('alice'), await balance('bob'), await keyCount('transfer-1')]).toEqual([70, 30, 1]);
  });

  it('keeps its writes invisible outside until it commits', async () => {
    const transaction = await db.startTransaction();
    await transaction.collection('accounts').doc('alice').update({ data: { balance: 0 } });
    expect(await balance('alice')).toBe(70);
    await transaction.commit();
    expect(await balance('alice')).toBe(0);
    await db.collection('accounts').doc('alice').update({ data: { balance: 70 } });
  });

  it('leaves nothing behind when the callback throws, and rethrows the same error', async () => {
    const _ = db.command;
    const failure = new Error('business rule');
    await expect(
      db.runTransaction(async (transaction) => {
        await transaction.collection('keys').add({ data: { key: 'never' } });
        await transaction.collection('accounts').doc('alice').update({ data: { balance: _.inc(-70) } });
        await transaction.collection('accounts').doc('carol').set({ data: { balance: 1 } });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect([await balance('alice'), await keyCount('never')]).toEqual([70, 0]);
    await expect(db.collection('accounts').doc('carol').get()).rejects.toMatchObject({ errMsg: expect.stringContaining('does not exist') });
  });

  it('rejects with the reason given to rollback, and writes nothing', async () => {
    const reason = { code: 'INSUFFICIENT_FUNDS' };
    await expect(
      db.runTransaction(async (transaction) => {
        await transaction.collection('accounts').doc('bob').update({ data: { balance: -1 } });
        await transaction.rollback(reason);
      }),
    ).rejects.toBe(reason);
    expect(await balance('bob')).toBe(30);
  });

  it('runs 100 concurrent read-modify-write transactions on one document without losing one', async () => {
    await db.collection('counters').add({ data: { _id: 'hits', n: 0 } });
    await Promise.all(
      Array.from({ length: 100 }, () =>
        db.runTransaction(async (transaction) => {
          const { data } = await transaction.collection('counters').doc('hits').get();
          await transaction.collection('counters').doc('hits').update({ data: { n: (data.n as number) + 1 } });
        }),
      ),
    );
    expect((await db.collection('counters').doc('hits').get()).data.n).toBe(100);
  });
});

describe('what a transaction allows', () => {
  it('only single-document operations: where() inside a transaction is refused', async () => {
    const _ = db.command;
    const error = await rejection(
      db.runTransaction(async (transaction) => {
        await transaction.collection('accounts').where({ balance: _.gt(0) }).get();
      }),
    );
    expect(error.errCode).toBe(-502002);
    expect(error.errMsg).toContain('where() cannot be used inside a transaction');
  });

  it('doc().get of a missing document rejects, as outside a transaction', async () => {
    const error = await rejection(
      db.runTransaction(async (transaction) => {
        await transaction.collection('accounts').doc('nobody').get();
      }),
    );
    expect(error.errMsg).toBe('document.get:fail document with _id nobody does not exist');
  });

  it('refuses a duplicate key at the write, and the transaction writes nothing', async () => {
    const _ = db.command;
    await db.collection('keys').add({ data: { key: 'taken' } });
    const error = await rejection(
      db.runTransaction(async (transaction) => {
        await transaction.collection('accounts').doc('bob').update({ data: { balance: _.inc(1000) } });
        await transaction.collection('keys').add({ data: { key: 'taken' } });
      }),
    );
    expect(error.errCode).toBe(-502001);
    expect(error.errMsg).toContain('E11000 duplicate key error collection: keys index: key_1');
    expect(await balance('bob')).toBe(30);

    const own = await rejection(
      db.runTransaction(async (transaction) => {
        await transaction.collection('keys').add({ data: { key: 'twice' } });
        await transaction.collection('keys').add({ data: { key: 'twice' } });
      }),
    );
    expect(own.errMsg).toContain('E11000');
    expect(await keyCount('twice')).toBe(0);
  });

  it('applies nothing when commit meets a duplicate key written meanwhile', async () => {
    const _ = db.command;
    const transaction = await db.startTransaction();
    await transaction.collection('accounts').doc('bob').update({ data: { balance: _.inc(5) } });
    await transaction.collection('keys').add({ data: { key: 'race' } });
    await db.collection('keys').add({ data: { key: 'race' } });
    await expect(transaction.commit()).rejects.toMatchObject({
      code: 'DATABASE_REQUEST_FAILED',
      message: expect.stringContaining('E11000 duplicate key error'),
    });
    expect([await balance('bob'), await keyCount('race')]).toEqual([30, 1]);
  });
});

describe('writes from outside a transaction', () => {
  it('wait for a transaction holding their document, so nothing is lost; other writes go ahead', async () => {
    const _ = db.command;
    await db.collection('counters').add({ data: { _id: 'shared', n: 0 } });
    const done: string[] = [];
    const transaction = await db.startTransaction();
    const { data } = await transaction.collection('counters').doc('shared').get();
    const blocked = db.collection('counters').doc('shared').update({ data: { n: _.inc(10) } }).then(() => done.push('blocked write'));
    await db.collection('counters').add({ data: { _id: 'unrelated' } }).then(() => done.push('unrelated write'));
    await sleep(50);
    expect(done).toEqual(['unrelated write']);
    await transaction.collection('counters').doc('shared').update({ data: { n: (data.n as number) + 1 } });
    await transaction.commit();
    await blocked;
    expect((await db.collection('counters').doc('shared').get()).data.n).toBe(11);
  });

  it('from inside the transaction’s own callback do not hang: the transaction times out instead', async () => {
    await withDatabase({ transactionTimeoutMs: 300 }, async () => {
      const _ = db.command;
      await db.collection('counters').add({ data: { _id: 'self', n: 0 } });
      const started = Date.now();
      const error = await rejection(
        db.runTransaction(async (transaction) => {
          await transaction.collection('counters').doc('self').get();
          // Not through `transaction`: this plain write waits for the transaction's lock on the document.
          await db.collection('counters').doc('self').update({ data: { n: _.inc(1) } });
          await transaction.collection('counters').doc('self').update({ data: { n: 100 } });
        }),
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error.errMsg).toContain('was rolled back because it was not committed or aborted within 300 ms');
      expect((await db.collection('counters').doc('self').get()).data.n).toBe(1);
    });
  });
});

describe('bounded waits', () => {
  it('a stuck transaction is rolled back after its timeout and the next one proceeds', async () => {
    await withDatabase({ transactionTimeoutMs: 200 }, async () => {
      const _ = db.command;
      await db.collection('counters').add({ data: { _id: 'c', n: 0 } });
      const stuck = await db.startTransaction();
      await stuck.collection('counters').doc('c').update({ data: { n: 50 } });
      await db.runTransaction(async (transaction) => {
        await transaction.collection('counters').doc('c').update({ data: { n: _.inc(1) } });
      });
      expect((await db.collection('counters').doc('c').get()).data.n).toBe(1);
      await expect(stuck.commit()).rejects.toMatchObject({ code: 'DATABASE_TRANSACTION_FAIL' });
    });
  });

  it('waiting for the transaction lock gives up after lockWaitTimeoutMs', async () => {
    await withDatabase({ transactionTimeoutMs: 5_000, lockWaitTimeoutMs: 200 }, async () => {
      const holder = await db.startTransaction();
      await expect(db.startTransaction()).rejects.toMatchObject({ code: 'DATABASE_TRANSACTION_CONFLICT' });
      await holder.rollback();
      const next = await db.startTransaction();
      await next.rollback();
    });
  });
});

describe('round trips', () => {
  it('reports every request to the listener in the caller’s async context', async () => {
    const _ = db.command;
    const invocation = new AsyncLocalStorage<string[]>();
    const stop = database.onRoundTrip((action, collection) => invocation.getStore()?.push(collection ? `${action} ${collection}` : action));
    const first: string[] = [];
    const second: string[] = [];
    try {
      await Promise.all([
        invocation.run(first, () =>
          db.runTransaction(async (transaction) => {
            await transaction.collection('counters').doc('hits').get();
            await transaction.collection('counters').doc('hits').update({ data: { n: _.inc(1) } });
          }),
        ),
        invocation.run(second, () => db.collection('accounts').where({ balance: _.gte(0) }).count()),
      ]);
    } finally {
      stop();
    }
    expect(first).toEqual([
      'database.startTransaction',
      'database.getDocument counters',
      'database.modifyDocument counters',
      'database.commitTransaction',
    ]);
    expect(second).toEqual(['database.calculateDocument accounts']);
  });
});
