/**
 * Importing a spreadsheet: rows are checked (nothing written), then written under a batch only
 * once the person confirms; batches are listed and a bills batch can be withdrawn. Only 收费员 may
 * check or import (the server checks it); every role may list.
 */
import { call, type ConsoleRequest } from './client';
import type { ImportBatchView, ImportKind, RowCheck } from './types';

/** The cells one row may carry, by column key, exactly as the contract validates them. */
export type ImportCells = ConsoleRequest<'checkImport'>['rows'][number]['cells'];
export type ImportCellKey = keyof ImportCells & string;
export type SheetRow = ConsoleRequest<'checkImport'>['rows'][number];

export async function checkImport(kind: ImportKind, rows: SheetRow[]): Promise<RowCheck[]> {
  return (await call('checkImport', { kind, rows })).rows;
}

export function startImport(kind: ImportKind, fileName: string, fileHash: string, rowCount: number): Promise<ImportBatchView> {
  return call('startImport', { kind, fileName, fileHash, rowCount });
}

export async function importRows(batchId: string, kind: ImportKind, rows: SheetRow[]): Promise<RowCheck[]> {
  return (await call('importRows', { batchId, kind, rows })).rows;
}

export function finishImport(batchId: string): Promise<ImportBatchView> {
  return call('finishImport', { batchId });
}

export async function listImports(kind?: ImportKind): Promise<ImportBatchView[]> {
  return (await call('listImports', kind ? { kind } : {})).items;
}

export function withdrawImport(batchId: string, reason: string): Promise<ImportBatchView> {
  return call('withdrawImport', { batchId, reason });
}
