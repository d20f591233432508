/** Imports of the finance office's spreadsheets: the batches, and which feature checks each sheet. */
import type { Handlers } from '../runtime';
import type { importsContract } from './contract';
import { checkImport, finishImport, importRows, listImports, startImport, withdrawImport } from './handlers';

export { importsContract, IMPORTS_ERRORS, IMPORT_COLUMNS } from './contract';

export const importsHandlers: Handlers<typeof importsContract> = {
  checkImport,
  startImport,
  importRows,
  finishImport,
  listImports,
  withdrawImport,
};
