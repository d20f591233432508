/**
 * The audit log as the console reads it: newest first, by day, person or action, read-only. The
 * runtime writes it; nothing here changes it.
 */
import { collection, commands, type AuditDoc, type ConsoleContext } from '../runtime';
import { parseChinaDateEndOfDay } from '../kernel/china-time';
import { AUDIT_ACTION_LABELS, ROLE_LABELS, type AuditEntryView, type AuditPage } from './contract';
import type { StaffRole } from '../kernel/contract';

const DAY_MS = 24 * 3600_000;

function entryView(doc: AuditDoc): AuditEntryView {
  const { staffName, role, reason, ...rest } = doc.details as { staffName?: unknown; role?: unknown; reason?: unknown } & Record<string, unknown>;
  return {
    at: new Date(doc.at).toISOString(),
    actor: doc.actor,
    staffName: typeof staffName === 'string' ? staffName : null,
    roleLabel: typeof role === 'string' && role in ROLE_LABELS ? ROLE_LABELS[role as StaffRole] : null,
    action: doc.action,
    actionLabel: AUDIT_ACTION_LABELS[doc.action] ?? doc.action,
    reason: typeof reason === 'string' ? reason : null,
    details: JSON.stringify(rest),
  };
}

interface AuditFilters {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
}

/** The query for the filters: days in China time, inclusive; an actor without a kind is a staff member. */
function auditQuery(filters: AuditFilters, ctx: ConsoleContext): Record<string, unknown> {
  const _ = commands(ctx.db);
  const where: Record<string, unknown> = {};
  const from = filters.from ? parseChinaDateEndOfDay(filters.from) : null;
  const to = filters.to ? parseChinaDateEndOfDay(filters.to) : null;
  if (from && to) where.at = _.and(_.gte(new Date(from.getTime() - DAY_MS + 1000)), _.lte(to));
  else if (from) where.at = _.gte(new Date(from.getTime() - DAY_MS + 1000));
  else if (to) where.at = _.lte(to);
  if (filters.actor?.trim()) where.actor = filters.actor.includes(':') ? filters.actor.trim() : `staff:${filters.actor.trim()}`;
  if (filters.action?.trim()) where.action = filters.action.trim();
  return where;
}

export async function listAudit(request: AuditFilters & { page: number; pageSize: number }, ctx: ConsoleContext): Promise<AuditPage> {
  const where = auditQuery(request, ctx);
  const log = collection(ctx.db, 'auditLog');
  const [items, total] = await Promise.all([
    log.find(where, { orderBy: [['at', 'desc']], skip: (request.page - 1) * request.pageSize, limit: request.pageSize }),
    log.count(where),
  ]);
  return { items: items.map(entryView), total };
}

/** Exporting the log is itself in the log (who took a copy, of what). */
export async function startAuditExport(request: AuditFilters, ctx: ConsoleContext): Promise<{ total: number }> {
  const total = await collection(ctx.db, 'auditLog').count(auditQuery(request, ctx));
  ctx.audit.record({ target: 'export:audit', after: { filters: request, rows: total } });
  return { total };
}
