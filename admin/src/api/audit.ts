/** The audit log, read-only (管理员 and 审核; the server checks it): newest first, by day, person and action. */
import { call, type ConsoleRequest } from './client';
import type { AuditPage } from './types';

export type AuditSearch = ConsoleRequest<'listAudit'>;
export type AuditFilters = Omit<AuditSearch, 'page' | 'pageSize'>;

export function listAudit(search: AuditSearch): Promise<AuditPage> {
  return call('listAudit', search);
}

/** Before the log is exported: how many entries, and the export recorded in the log itself. */
export function startAuditExport(filters: AuditFilters): Promise<{ total: number }> {
  return call('startAuditExport', filters);
}
