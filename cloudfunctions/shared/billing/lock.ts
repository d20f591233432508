/**
 * A short lock document (`locks/{name}`): the cloud database updates one document atomically but
 * not several, so work that must not interleave for one student (taking bills into an order) is
 * done by whoever holds the lock. The lock expires on its own (longer than any function may run),
 * so a function that died holding it blocks others for at most that long.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { collection, commands, isDuplicateKeyError, type BaseDoc, type Database } from '../runtime';

export interface LockDoc extends BaseDoc {
  owner: string;
  expiresAt: Date;
  takenAt: Date;
}

export interface HeldLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long the lock lasts if never released (above the function timeout of 20 s). */
  ttlMs?: number;
  /** How long to wait for another holder before giving up (real time). */
  waitMs?: number;
  pollMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Another call held the lock for all of `waitMs`: the caller decides what to tell (never "your bills changed"). */
export class LockBusyError extends Error {
  constructor(readonly lockName: string) {
    super(`lock ${lockName} is held by another call`);
    this.name = 'LockBusyError';
  }
}

/** Takes `locks/{name}`, waiting (polling) while someone else holds it; LockBusyError after `waitMs`. */
export async function takeLock(db: Database, now: () => Date, name: string, options: LockOptions = {}): Promise<HeldLock> {
  const ttlMs = options.ttlMs ?? 30_000;
  const waitMs = options.waitMs ?? 10_000;
  const pollMs = options.pollMs ?? 100;
  const locks = collection(db, 'locks');
  const _ = commands(db);
  const owner = randomBytes(8).toString('hex');
  const giveUpAt = performance.now() + waitMs;
  const held: HeldLock = {
    async release() {
      // Only our own lock: one that expired and was taken over stays with its new holder.
      await locks.removeWhere({ _id: name, owner });
    },
  };
  for (;;) {
    const at = now();
    const fields = { owner, expiresAt: new Date(at.getTime() + ttlMs), takenAt: at };
    try {
      await locks.insert({ _id: name, ...fields });
      return held;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    // Held: take it over only if its holder is long gone.
    if ((await locks.updateWhere({ _id: name, expiresAt: _.lt(at) }, fields)) === 1) return held;
    if (performance.now() >= giveUpAt) throw new LockBusyError(name);
    await sleep(pollMs);
  }
}
