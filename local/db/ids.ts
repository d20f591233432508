import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * A 32-hex-character id like the cloud's. It starts with the creation time and a counter, so the
 * store's natural order (by `_id`) is the insertion order, which is what a query without orderBy
 * usually returns in production too.
 */
export function newDocumentId(): string {
  const now = Date.now();
  if (now === lastMs) sequence = (sequence + 1) % 0x10000;
  else {
    lastMs = now;
    sequence = 0;
  }
  return now.toString(16).padStart(12, '0') + sequence.toString(16).padStart(4, '0') + randomBytes(8).toString('hex');
}

export function newTransactionId(): string {
  return randomBytes(16).toString('hex');
}
