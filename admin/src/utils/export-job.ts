/**
 * An export as a download: startExport counts it (and records it in the audit log), exportRows
 * hands the rows over page by page, and the sheet is written here with the server's column
 * headers. The 导出 page and the 账单 page's 导出 both come here.
 */
import { exportRows, startExport, type ExportRequest } from '../api/exports';
import type { ExportRow } from '../api/types';
import { EXPORT_COLUMNS, EXPORT_FILE_PREFIXES, EXPORT_LABELS } from '../constants/exports';
import type { DownloadJob } from './download-job';
import { writeSheet } from './excel';
import { beijingToday } from './time';

/** 未缴学生_2026-2027-1_20261205.xlsx, 缴费记录_2026-11-01至2026-11-30_20261205.xlsx, 账单明细_全部学期_20261205.xlsx */
export function exportFileName(request: ExportRequest, today: string): string {
  const scope = request.kind === 'payments' ? `${request.paidFrom ?? ''}至${request.paidTo ?? ''}` : (request.term ?? '全部学期');
  return `${EXPORT_FILE_PREFIXES[request.kind]}_${scope}_${today.replace(/-/g, '')}.xlsx`;
}

export function exportJob(request: ExportRequest): DownloadJob<ExportRow> {
  return {
    label: EXPORT_LABELS[request.kind],
    fileName: exportFileName(request, beijingToday()),
    count: () => startExport(request),
    async page(n) {
      const page = await exportRows(request, n);
      return { rows: page.rows, total: page.total, more: page.next !== null };
    },
    write: (rows) => writeSheet({ sheetName: EXPORT_FILE_PREFIXES[request.kind], columns: EXPORT_COLUMNS[request.kind], rows }),
  };
}
