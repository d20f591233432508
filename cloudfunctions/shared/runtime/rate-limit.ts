/**
 * Rate limits kept in the database: functions scale out to many instances, so a count in memory
 * would be one instance's only. One document per limited subject counts the requests in a short
 * and a long window (fixed windows, e.g. the current minute and the current hour). The usual
 * request costs one database round trip: a conditional increment that succeeds only while both
 * windows are current and under their limits; a new window or a refusal costs one or two more.
 */
import { collection, commands, type BaseDoc } from './db';
import { isDuplicateKeyError } from './errors';
import type { Database } from './platform';

export interface RateWindow {
  /** Requests allowed in one window. */
  max: number;
  windowMs: number;
}

export interface RateLimit {
  short: RateWindow;
  long: RateWindow;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** rateCounters/{id}: the windows' starts (ms since the epoch) and the requests counted in each. */
export interface RateCounterDoc extends BaseDoc {
  shortStart: number;
  shortCount: number;
  longStart: number;
  longCount: number;
  updatedAt: Date;
}

/** Rounds of read-and-retry under contention before a request is refused for a moment. */
const ATTEMPTS = 4;
const CONTENDED_RETRY_MS = 1000;

const windowStart = (atMs: number, window: RateWindow): number => Math.floor(atMs / window.windowMs) * window.windowMs;

/** Counts one request of `id` against `limit`; refuses it, with the wait, when a window is full. */
export async function consumeRateLimit(db: Database, id: string, limit: RateLimit, at: Date): Promise<RateDecision> {
  const counters = collection(db, 'rateCounters');
  const _ = commands(db);
  const atMs = at.getTime();
  // Another instance's clock may be a little ahead and have opened the next window already.
  let shortStart = windowStart(atMs, limit.short);
  let longStart = windowStart(atMs, limit.long);
  const refuse = (windowEnd: number): RateDecision => ({ allowed: false, retryAfterMs: Math.max(windowEnd - atMs, 1000) });

  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const counted = await counters.updateWhere(
      { _id: id, shortStart, longStart, shortCount: _.lt(limit.short.max), longCount: _.lt(limit.long.max) },
      { shortCount: _.inc(1), longCount: _.inc(1), updatedAt: at },
    );
    if (counted === 1) return { allowed: true };

    const doc = await counters.findById(id);
    if (!doc) {
      try {
        await counters.insert({ _id: id, shortStart, shortCount: 1, longStart, longCount: 1, updatedAt: at });
        return { allowed: true };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        continue; // another request made it first: count against theirs
      }
    }
    longStart = Math.max(longStart, doc.longStart);
    shortStart = Math.max(shortStart, doc.shortStart);
    const longCount = doc.longStart === longStart ? doc.longCount : 0;
    const shortCount = doc.shortStart === shortStart ? doc.shortCount : 0;
    if (longCount >= limit.long.max) return refuse(longStart + limit.long.windowMs);
    if (shortCount >= limit.short.max) return refuse(shortStart + limit.short.windowMs);
    if (doc.longStart === longStart && doc.shortStart === shortStart) continue; // counted by others meanwhile: try again
    // A window has ended: open the current one, unless another request changed the document first.
    const opened = await counters.updateWhere(
      { _id: id, shortStart: doc.shortStart, shortCount: doc.shortCount, longStart: doc.longStart, longCount: doc.longCount },
      { shortStart, shortCount: shortCount + 1, longStart, longCount: longCount + 1, updatedAt: at },
    );
    if (opened === 1) return { allowed: true };
  }
  return { allowed: false, retryAfterMs: CONTENDED_RETRY_MS };
}
