/**
 * Exports (every role): `startExport` counts the rows and records the export in the audit log;
 * `exportRows` then hands them over page by page, amounts in fen.
 */
import { call, type ConsoleRequest } from './client';
import type { ExportPage } from './types';

/** The kind and its filters, exactly as startExport accepts them. */
export type ExportRequest = ConsoleRequest<'startExport'>;

export async function startExport(request: ExportRequest): Promise<number> {
  return (await call('startExport', request)).total;
}

/**
 * Where each page of an export starts, by page number: the `next` of the page before it. The
 * server reads a page after that point rather than at an offset, so a student who pays meanwhile
 * moves nobody out of the file; pages are asked for by number (again on 重试), so the points are
 * kept here for as long as the export's request object is in use.
 */
const pageStarts = new WeakMap<ExportRequest, Map<number, string>>();

export async function exportRows(request: ExportRequest, page: number): Promise<ExportPage> {
  let starts = pageStarts.get(request);
  if (!starts || page === 1) {
    starts = new Map();
    pageStarts.set(request, starts);
  }
  const after = starts.get(page);
  if (page > 1 && after === undefined) throw new Error(`第 ${page} 页之前的页尚未读取`);
  const result = await call('exportRows', after === undefined ? request : { ...request, after });
  if (result.next !== null) starts.set(page + 1, result.next);
  return result;
}
