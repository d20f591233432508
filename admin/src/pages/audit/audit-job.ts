/** The audit log as filtered, as a sheet: read page by page, written with the same helper as the exports. */
import { listAudit, startAuditExport, type AuditFilters } from '../../api/audit';
import type { AuditEntryView } from '../../api/types';
import type { DownloadJob } from '../../utils/download-job';
import { writeSheet, type SheetColumn } from '../../utils/excel';
import { beijingToday, formatBeijingTime } from '../../utils/time';
import { actorText, changesOf, otherDetails, summaryLines } from './audit-text';

/** Entries per request (listAudit's largest page). */
const AUDIT_PAGE_ROWS = 1000;

const COLUMNS: readonly SheetColumn[] = [
  { header: '时间', field: 'at' },
  { header: '人员', field: 'actor' },
  { header: '角色', field: 'role' },
  { header: '操作', field: 'action' },
  { header: '对象', field: 'target' },
  { header: '变更', field: 'changes' },
  { header: '原因', field: 'reason' },
  { header: '其他记录', field: 'other' },
];

/** 审计日志_2026-12-01至2026-12-05_20261205.xlsx; 审计日志_全部_20261205.xlsx without dates. */
export function auditFileName(filters: AuditFilters, today: string): string {
  const scope = filters.from && filters.to ? `${filters.from}至${filters.to}` : filters.from ? `${filters.from}起` : filters.to ? `至${filters.to}` : '全部';
  return `审计日志_${scope}_${today.replace(/-/g, '')}.xlsx`;
}

function sheetRow(entry: AuditEntryView): Record<string, string> {
  const changes = changesOf(entry);
  return {
    at: formatBeijingTime(entry.at),
    actor: actorText(entry),
    role: entry.roleLabel ?? '',
    action: entry.actionLabel,
    target: changes.map((change) => change.target).join('\n'),
    changes: changes.flatMap(summaryLines).join('\n'),
    reason: entry.reason ?? '',
    other: otherDetails(entry),
  };
}

export function auditJob(filters: AuditFilters): DownloadJob<AuditEntryView> {
  return {
    label: '审计日志',
    fileName: auditFileName(filters, beijingToday()),
    count: async () => (await startAuditExport(filters)).total,
    async page(n) {
      const page = await listAudit({ ...filters, page: n, pageSize: AUDIT_PAGE_ROWS });
      return { rows: page.items, total: page.total, more: n * AUDIT_PAGE_ROWS < page.total };
    },
    write: (entries) => writeSheet({ sheetName: '审计日志', columns: COLUMNS, rows: entries.map(sheetRow) }),
  };
}
