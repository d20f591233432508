/**
 * The audit log (auditLog, append-only): what a person or a process did that the finance office
 * may have to answer for. An entry with a key is written once: a retry finds it there and adds
 * nothing.
 */
import { collection } from './db';
import { isDuplicateKeyError } from './errors';
import type { Database } from './platform';

export interface AuditDoc {
  _id: string;
  at: Date;
  /** `openid:…`, `staff:…`, or the process (`pay`, `paymentsSweep`…). */
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

/** Appends an entry; with `key`, only the first call for that key writes. Returns false when it was there already. */
export async function writeAudit(
  db: Database,
  entry: { key?: string; at: Date; actor: string; action: string; details: Record<string, unknown> },
): Promise<boolean> {
  const doc: Omit<AuditDoc, '_id'> & { _id?: string } = { at: entry.at, actor: entry.actor, action: entry.action, details: entry.details };
  if (entry.key) doc._id = entry.key;
  try {
    await collection(db, 'auditLog').insert(doc);
    return true;
  } catch (error) {
    if (entry.key && isDuplicateKeyError(error)) return false;
    throw error;
  }
}
