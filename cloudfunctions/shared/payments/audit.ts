/**
 * auditLog entries written by the payment code: what finance must look at (a payment WeChat
 * reports differently from the order, a refund that needs a hand, a reconciled day). An entry with
 * a key is written once: a retry or a duplicate callback finds it there and adds nothing.
 */
import { collection, isDuplicateKeyError, type Database } from '../runtime';

export interface AuditDoc {
  _id: string;
  at: Date;
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
    await collection<AuditDoc>(db, 'auditLog').insert(doc);
    return true;
  } catch (error) {
    if (entry.key && isDuplicateKeyError(error)) return false;
    throw error;
  }
}
