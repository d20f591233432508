/**
 * The import sheets as the console shows them: the kinds, their columns and the rows per request
 * are the import contract's (IMPORT_KIND_LABELS, IMPORT_COLUMNS, IMPORT_CHUNK_ROWS, IMPORT_CHUNK_MAX_BYTES). The two limits
 * below are written inline in its request schemas, not as values to import, so they are repeated
 * here; the batch states' names are the console's own.
 */
import { IMPORT_CHUNK_MAX_BYTES, IMPORT_CHUNK_ROWS, IMPORT_COLUMNS as CONTRACT_COLUMNS, IMPORT_KIND_LABELS } from '../../../cloudfunctions/shared/imports/contract';
import type { ImportCellKey } from '../api/imports';
import type { ImportKind, ImportBatchStatus } from '../api/types';

export { IMPORT_CHUNK_MAX_BYTES, IMPORT_CHUNK_ROWS, IMPORT_KIND_LABELS };

export interface SheetColumn {
  key: ImportCellKey;
  header: string;
  required: boolean;
  hint: string;
}

/** In the contract's order, as the page offers them. */
export const IMPORT_KINDS = Object.keys(IMPORT_KIND_LABELS) as readonly ImportKind[];

/** The contract calls a column's key text; each is one of the row cells the same contract validates. */
export const IMPORT_COLUMNS = CONTRACT_COLUMNS as Readonly<Record<ImportKind, readonly SheetColumn[]>>;

/** The most rows one import may have (startImport's rowCount limit). */
export const IMPORT_MAX_ROWS = 200_000;

/** The longest cell the server accepts (the contract's cell schema). */
export const IMPORT_CELL_MAX_LENGTH = 200;

export const IMPORT_STATUS_TEXT: Readonly<Record<ImportBatchStatus, string>> = {
  IMPORTING: '未完成',
  DONE: '已完成',
  WITHDRAWN: '已撤回',
};
