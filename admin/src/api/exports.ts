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

export function exportRows(request: ExportRequest, page: number): Promise<ExportPage> {
  return call('exportRows', { ...request, page });
}
