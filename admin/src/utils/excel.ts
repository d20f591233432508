/**
 * Writing a spreadsheet in the browser (exports, the audit log), with exceljs loaded only when a
 * file is first made: it is larger than the rest of the console together.
 */
import type * as ExcelJSModule from 'exceljs';
import { fenToYuanNumber } from './money';

type ExcelJS = typeof ExcelJSModule;

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** exceljs could not be fetched (the network): worth trying again. */
export class ExcelUnavailableError extends Error {
  constructor() {
    super('表格组件加载失败，请检查网络后重试');
    this.name = 'ExcelUnavailableError';
  }
}

let loading: Promise<ExcelJS> | null = null;

/** exceljs, fetched once; a failed fetch (network) is tried again on the next call. */
function excel(): Promise<ExcelJS> {
  loading ??= import('exceljs')
    .then((module) => ((module as unknown as { default?: ExcelJS }).default ?? module) as ExcelJS)
    .catch((error: unknown) => {
      loading = null;
      throw error;
    });
  return loading.catch(() => {
    throw new ExcelUnavailableError();
  });
}

export interface SheetColumn {
  header: string;
  field: string;
  /** Fen in the rows; a number in 元 with two decimals in the sheet. */
  money?: boolean;
}

export type SheetCell = string | number | null | undefined;

export interface SheetSpec {
  /** The worksheet's tab; at most 31 characters, none of []:*?/\ (Excel's rules). */
  sheetName: string;
  columns: readonly SheetColumn[];
  rows: readonly Readonly<Record<string, SheetCell>>[];
}

/** Characters as wide as a CJK character count twice, as Excel measures column width. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += char.charCodeAt(0) > 0xff ? 2 : 1;
  return width;
}

/** Rows looked at to size a column: enough to see typical values without walking a large export. */
const WIDTH_SAMPLE_ROWS = 200;
const MIN_WIDTH = 8;
const MAX_WIDTH = 60;

function columnWidth(column: SheetColumn, rows: SheetSpec['rows']): number {
  let widest = displayWidth(column.header);
  for (const row of rows.slice(0, WIDTH_SAMPLE_ROWS)) {
    const value = row[column.field];
    const text = column.money && typeof value === 'number' ? fenToYuanNumber(value).toFixed(2) : String(value ?? '');
    widest = Math.max(widest, displayWidth(text));
  }
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, widest + 2));
}

/**
 * One worksheet: the headers in bold on a frozen first row with filters, then a row per record.
 * Text stays text (学号 keeps its leading zeros); money columns are numbers in 元, shown with two
 * decimals, so the office can sum them in Excel.
 */
export async function writeSheet(spec: SheetSpec): Promise<Blob> {
  const { Workbook } = await excel();
  const workbook = new Workbook();
  workbook.creator = '智慧缴费财务管理后台';
  const sheet = workbook.addWorksheet(spec.sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = spec.columns.map((column) => ({
    header: column.header,
    key: column.field,
    width: columnWidth(column, spec.rows),
    style: column.money ? { numFmt: '0.00' } : { numFmt: '@' },
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: spec.columns.length } };
  for (const row of spec.rows) {
    sheet.addRow(
      spec.columns.map((column) => {
        const value = row[column.field];
        if (column.money) return typeof value === 'number' ? fenToYuanNumber(value) : null;
        return value === null || value === undefined ? '' : String(value);
      }),
    );
  }
  return new Blob([await workbook.xlsx.writeBuffer()], { type: XLSX_TYPE });
}
