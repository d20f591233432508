/**
 * Spreadsheets in the browser, with exceljs loaded only when the import page first needs it (it is
 * larger than the rest of the console together): the template to fill in, a picked file (.xlsx
 * or .csv) read into rows by column, and the error report (the same sheet with 错误原因 added).
 */
import type * as ExcelJSModule from 'exceljs';
import type { Cell, CellValue, Workbook, Worksheet } from 'exceljs';
import type { SheetRow } from '../../api/imports';
import type { ImportKind, RowProblem } from '../../api/types';
import { IMPORT_CELL_MAX_LENGTH, IMPORT_COLUMNS, IMPORT_KIND_LABELS, IMPORT_MAX_ROWS, type SheetColumn } from '../../constants/imports';

type ExcelJS = typeof ExcelJSModule;

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A file that cannot be imported as it is, with what to do about it. */
export class SheetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SheetError';
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
    throw new SheetError('表格组件加载失败，请检查网络后重试');
  });
}

// ---- template -------------------------------------------------------------------------------------

/** Columns Excel must keep as text: a 学号 or 证件号 typed into a number cell loses its leading zeros or its last digits. */
const TEXT_COLUMNS = new Set(['studentNo', 'idNumber', 'phone', 'term', 'grade', 'className']);

const HEADER_FILL_REQUIRED = 'FFDCE7FB';
const HEADER_FILL_OPTIONAL = 'FFF0F0F0';

function columnWidth(column: SheetColumn): number {
  if (column.key === 'idNumber') return 22;
  if (column.key === 'deadline' || column.key === 'term' || column.key === 'phone') return 16;
  return Math.max(12, Array.from(column.header).length * 2 + 4);
}

/** The sheet to fill in: the headers in the server's order, each header's note saying what goes there, and a sheet of instructions. */
export async function buildTemplate(kind: ImportKind): Promise<Blob> {
  const { Workbook } = await excel();
  const workbook = new Workbook();
  workbook.creator = '智慧缴费财务管理后台';
  const columns = IMPORT_COLUMNS[kind];
  const sheet = workbook.addWorksheet(IMPORT_KIND_LABELS[kind], { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((column) => ({
    header: column.header,
    key: column.key,
    width: columnWidth(column),
    style: TEXT_COLUMNS.has(column.key) ? { numFmt: '@' } : column.key === 'deadline' ? { numFmt: 'yyyy-mm-dd' } : column.key === 'amount' ? { numFmt: '0.00' } : {},
  }));
  columns.forEach((column, index) => {
    const cell = sheet.getRow(1).getCell(index + 1);
    cell.font = { bold: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: column.required ? HEADER_FILL_REQUIRED : HEADER_FILL_OPTIONAL } };
    cell.note = [column.required ? '必填' : '选填', column.hint].filter(Boolean).join('：');
  });

  const guide = workbook.addWorksheet('填写说明');
  guide.columns = [
    { header: '列', key: 'header', width: 16 },
    { header: '是否必填', key: 'required', width: 10 },
    { header: '说明', key: 'hint', width: 60 },
  ];
  guide.getRow(1).font = { bold: true };
  for (const column of columns) guide.addRow({ header: column.header, required: column.required ? '必填' : '选填', hint: column.hint });
  guide.addRow([]);
  for (const line of [
    `在“${IMPORT_KIND_LABELS[kind]}”工作表中填写：第一行是表头，请勿修改；从第二行起每行一条。`,
    '也可以导入 .csv 文件（UTF-8 或 GBK 编码），第一行同样是表头。',
    '导入前会逐行检查并预览，确认后才写入；同一文件重复导入不会重复创建。',
  ]) {
    guide.addRow([line]);
  }
  return new Blob([await workbook.xlsx.writeBuffer()], { type: XLSX_TYPE });
}

// ---- reading a file -------------------------------------------------------------------------------

export interface SheetRowProblem {
  rowNumber: number;
  problems: RowProblem[];
}

export interface ReadSheet {
  fileName: string;
  kind: ImportKind;
  /** SHA-256 of the file's bytes, hex. */
  fileHash: string;
  /** The worksheet the rows come from. */
  sheetName: string;
  headerRowNumber: number;
  /** The rows with something in them, under their own row numbers in the sheet. */
  rows: SheetRow[];
  /** Problems found here before the server is asked (a cell too long to send); those rows are not sent. */
  localProblems: SheetRowProblem[];
  /** The file's bytes, for the error report. */
  bytes: ArrayBuffer;
  isCsv: boolean;
}

const headerKey = (text: string): string => text.normalize('NFKC').replace(/[\s*＊]/g, '').toUpperCase();
/** "金额（元）" is also recognised as "金额". */
const withoutUnit = (text: string): string => text.replace(/\(.*\)$/, '');

function headerLookup(kind: ImportKind): Map<string, SheetColumn> {
  const lookup = new Map<string, SheetColumn>();
  for (const column of IMPORT_COLUMNS[kind]) {
    lookup.set(headerKey(column.header), column);
    lookup.set(withoutUnit(headerKey(column.header)), column);
  }
  return lookup;
}

const pad = (value: number): string => String(value).padStart(2, '0');

/**
 * A date cell as the sheet shows it. A spreadsheet's dates carry no time zone: exceljs puts the
 * sheet's wall clock (for this office, China time) into the Date's UTC fields, so those are read.
 */
function sheetDate(value: Date): string {
  if (Number.isNaN(value.getTime())) return '';
  return `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
}

/** A number as it was typed: integers in full, fractions to the 15 digits Excel itself shows (no float noise). */
function numberText(value: number): string {
  if (!Number.isFinite(value)) return '';
  if (Number.isInteger(value)) return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
  return String(Number(value.toPrecision(15)));
}

/** Any cell as the text the server reads: formulas by their result, rich text joined, links by their text. */
export function cellText(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (value instanceof Date) return sheetDate(value);
  if ('richText' in value) return value.richText.map((run) => run.text).join('').trim();
  if ('formula' in value || 'sharedFormula' in value) return cellText((value as { result?: CellValue }).result);
  if ('error' in value) return value.error;
  if ('text' in value) return cellText(value.text as CellValue);
  return '';
}

/** The bytes of a .csv as text: UTF-8 (with or without BOM) when they are valid UTF-8, else GB18030 (which includes GBK), as Excel on a Chinese Windows saves it. */
function decodeCsv(bytes: ArrayBuffer): string {
  const view = new Uint8Array(bytes);
  if (view[0] === 0xff && view[1] === 0xfe) return new TextDecoder('utf-16le').decode(view);
  if (view[0] === 0xfe && view[1] === 0xff) return new TextDecoder('utf-16be').decode(view);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(view);
  } catch {
    return new TextDecoder('gb18030').decode(view);
  }
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  if (!globalThis.crypto?.subtle) throw new SheetError('浏览器无法计算文件摘要：请通过 HTTPS 地址打开财务管理后台');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

async function readCsv(ExcelJS: ExcelJS, bytes: ArrayBuffer): Promise<Workbook> {
  const text = decodeCsv(bytes);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  const workbook = new ExcelJS.Workbook();
  // exceljs reads CSV from a stream it pipes into its parser; the text is already in memory.
  const source = {
    pipe<T extends { write(chunk: string): unknown; end(): unknown }>(target: T): T {
      target.write(text);
      target.end();
      return target;
    },
  };
  await workbook.csv.read(source as unknown as Parameters<Workbook['csv']['read']>[0], {
    sheetName: 'CSV',
    // Every cell stays the text it is: no number or date guessing (学号 0123 keeps its zero).
    map: (datum: unknown) => (datum === '' ? null : datum),
    parserOptions: { delimiter },
  });
  return workbook;
}

async function openWorkbook(bytes: ArrayBuffer, isCsv: boolean): Promise<Workbook> {
  const ExcelJS = await excel();
  try {
    if (isCsv) return await readCsv(ExcelJS, bytes);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as Parameters<Workbook['xlsx']['load']>[0]);
    return workbook;
  } catch {
    throw new SheetError(isCsv ? '无法读取该 CSV 文件，请在 Excel 中另存为 .xlsx 后重试' : '无法读取该文件：不是有效的 .xlsx 文件（.xls 请在 Excel 中另存为 .xlsx）');
  }
}

interface HeaderMatch {
  sheet: Worksheet;
  rowNumber: number;
  /** Column number in the sheet, by column key. */
  columns: Map<SheetColumn['key'], number>;
}

/** Header rows are looked for in the first rows of each sheet: a title row above them is allowed. */
const HEADER_SEARCH_ROWS = 10;

function matchHeaders(sheet: Worksheet, kind: ImportKind): HeaderMatch | null {
  const lookup = headerLookup(kind);
  let best: HeaderMatch | null = null;
  const last = Math.min(sheet.rowCount, HEADER_SEARCH_ROWS);
  for (let rowNumber = 1; rowNumber <= last; rowNumber += 1) {
    const columns = new Map<SheetColumn['key'], number>();
    sheet.getRow(rowNumber).eachCell((cell: Cell, columnNumber: number) => {
      const column = lookup.get(headerKey(cellText(cell.value))) ?? lookup.get(withoutUnit(headerKey(cellText(cell.value))));
      if (column && !columns.has(column.key)) columns.set(column.key, columnNumber);
    });
    if (columns.size > (best?.columns.size ?? 0)) best = { sheet, rowNumber, columns };
  }
  return best;
}

function findHeaders(workbook: Workbook, kind: ImportKind): HeaderMatch {
  let best: HeaderMatch | null = null;
  for (const sheet of workbook.worksheets) {
    const match = matchHeaders(sheet, kind);
    if (match && match.columns.size > (best?.columns.size ?? 0)) best = match;
    if (best && IMPORT_COLUMNS[kind].every((column) => best!.columns.has(column.key))) break;
  }
  const expected = IMPORT_COLUMNS[kind].filter((column) => column.required).map((column) => column.header);
  if (!best || best.columns.size < 2) {
    const other: ImportKind = kind === 'bills' ? 'students' : 'bills';
    const otherMatch = workbook.worksheets.some((sheet) => (matchHeaders(sheet, other)?.columns.size ?? 0) >= 3);
    if (otherMatch) throw new SheetError(`这像是${IMPORT_KIND_LABELS[other]}文件：请把导入类型改为“${IMPORT_KIND_LABELS[other]}”，或选择${IMPORT_KIND_LABELS[kind]}文件`);
    throw new SheetError(`没有找到表头：第一行应为 ${expected.join('、')} 等列（可下载模板对照）`);
  }
  const missing = IMPORT_COLUMNS[kind].filter((column) => column.required && !best!.columns.has(column.key));
  if (missing.length > 0) {
    throw new SheetError(`缺少必填列：${missing.map((column) => column.header).join('、')}。请在第 ${best.rowNumber} 行的表头中补上（可下载模板对照）`);
  }
  return best;
}

const isCsvName = (name: string): boolean => /\.csv$/i.test(name);

/** A picked file made into rows by column key, each under its row number in the sheet. */
export async function readSheet(file: File, kind: ImportKind): Promise<ReadSheet> {
  if (!/\.(xlsx|csv)$/i.test(file.name)) throw new SheetError('只能导入 .xlsx 或 .csv 文件（.xls 请在 Excel 中另存为 .xlsx）');
  if (file.size === 0) throw new SheetError('文件是空的');
  const bytes = await file.arrayBuffer();
  const isCsv = isCsvName(file.name);
  const [fileHash, workbook] = await Promise.all([sha256Hex(bytes), openWorkbook(bytes, isCsv)]);
  const header = findHeaders(workbook, kind);
  const columns = IMPORT_COLUMNS[kind].filter((column) => header.columns.has(column.key));
  const rows: SheetRow[] = [];
  const localProblems: SheetRowProblem[] = [];
  header.sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    if (rowNumber <= header.rowNumber) return;
    const cells: SheetRow['cells'] = {};
    const problems: RowProblem[] = [];
    for (const column of columns) {
      const text = cellText(row.getCell(header.columns.get(column.key)!).value);
      if (text === '') continue;
      if (Array.from(text).length > IMPORT_CELL_MAX_LENGTH) problems.push({ column: column.header, reason: `内容过长：最多 ${IMPORT_CELL_MAX_LENGTH} 个字` });
      else cells[column.key] = text;
    }
    if (problems.length > 0) localProblems.push({ rowNumber, problems });
    else if (Object.keys(cells).length > 0) rows.push({ rowNumber, cells });
  });
  const total = rows.length + localProblems.length;
  if (total === 0) throw new SheetError(`表头下面没有数据：请从第 ${header.rowNumber + 1} 行起填写`);
  if (total > IMPORT_MAX_ROWS) throw new SheetError(`文件有 ${total.toLocaleString('zh-CN')} 行，超过一次最多 ${IMPORT_MAX_ROWS.toLocaleString('zh-CN')} 行：请分成几个文件导入`);
  return { fileName: file.name, kind, fileHash, sheetName: header.sheet.name, headerRowNumber: header.rowNumber, rows, localProblems, bytes, isCsv };
}

// ---- the error report -----------------------------------------------------------------------------

const ERROR_FILL = 'FFFDE2E2';
const ERROR_FONT = 'FFD54941';

/** The file's own sheet with 错误原因 added after its last column, and each cell at fault shaded. */
export async function buildErrorReport(read: ReadSheet, problems: ReadonlyMap<number, readonly RowProblem[]>): Promise<Blob> {
  const workbook = await openWorkbook(read.bytes, read.isCsv);
  const sheet = workbook.getWorksheet(read.sheetName);
  if (!sheet) throw new SheetError('无法生成错误报告：找不到原来的工作表');
  const header = matchHeaders(sheet, read.kind);
  const columnOf = new Map<string, number>();
  for (const column of IMPORT_COLUMNS[read.kind]) {
    const number = header?.columns.get(column.key);
    if (number) columnOf.set(column.header, number);
  }
  const reasonColumn = sheet.columnCount + 1;
  const title = sheet.getRow(read.headerRowNumber).getCell(reasonColumn);
  title.value = '错误原因';
  title.font = { bold: true, color: { argb: ERROR_FONT } };
  sheet.getColumn(reasonColumn).width = 60;
  for (const [rowNumber, rowProblems] of problems) {
    if (rowProblems.length === 0) continue;
    const row = sheet.getRow(rowNumber);
    const cell = row.getCell(reasonColumn);
    cell.value = rowProblems.map((problem) => (problem.column ? `${problem.column}：${problem.reason}` : problem.reason)).join('；');
    cell.font = { color: { argb: ERROR_FONT } };
    cell.alignment = { wrapText: true, vertical: 'top' };
    for (const problem of rowProblems) {
      const at = columnOf.get(problem.column);
      if (at) row.getCell(at).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: ERROR_FILL } };
    }
  }
  return new Blob([await workbook.xlsx.writeBuffer()], { type: XLSX_TYPE });
}

/** "2025级名单.csv" → "2025级名单-错误报告.xlsx" */
export const errorReportName = (fileName: string): string => `${fileName.replace(/\.(xlsx|csv)$/i, '')}-错误报告.xlsx`;
