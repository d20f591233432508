/**
 * Importing a spreadsheet in the console: the file is read in the browser, its rows are sent in
 * chunks; the server checks every row against the database and says, per row, what it would do
 * (新增 / 更新 / 无变化) or what is wrong (行号, 列, 原因). Nothing is written until the person
 * confirms; then the same rows go to `importRows` under a batch, and a row that is not right is
 * reported again and skipped, never half-written. The same file twice creates nothing twice.
 */
import { action, access } from '../kernel/contract';
import { reasonText, v } from '../kernel/validate';

export const IMPORTS_ERRORS = {
  IMPORT_BATCH_CLOSED: '这个导入批次已经结束，请重新导入文件',
  IMPORT_BATCH_NOT_FOUND: '导入批次不存在',
  IMPORT_NOT_WITHDRAWABLE: '只有账单导入可以整批撤回',
} as const;

export type ImportKind = 'students' | 'bills';

export interface ImportColumn {
  /** The field the row carries it in. */
  key: string;
  /** The sheet's header, as the template has it. */
  header: string;
  required: boolean;
  /** What the template's note says about it. */
  hint: string;
}

/** The columns of each sheet, in the template's order. */
export const IMPORT_COLUMNS: Readonly<Record<ImportKind, readonly ImportColumn[]>> = {
  students: [
    { key: 'studentNo', header: '学号', required: true, hint: '4–20 位字母或数字' },
    { key: 'name', header: '姓名', required: true, hint: '' },
    { key: 'idNumber', header: '证件号', required: true, hint: '18 位身份证号（15 位旧号自动转换）' },
    { key: 'college', header: '学院', required: true, hint: '' },
    { key: 'major', header: '专业', required: true, hint: '' },
    { key: 'grade', header: '年级', required: true, hint: '如 2025级' },
    { key: 'className', header: '班级', required: true, hint: '' },
    { key: 'phone', header: '手机号', required: false, hint: '选填；学生首次登录时用它验证本人' },
  ],
  bills: [
    { key: 'studentNo', header: '学号', required: true, hint: '须为已导入的学生' },
    { key: 'term', header: '学年学期', required: true, hint: '如 2025-2026-1（2025-2026 学年第一学期）' },
    { key: 'itemName', header: '收费项目', required: true, hint: '收费项目表中的名称，如 学费' },
    { key: 'amount', header: '金额（元）', required: true, hint: '最多两位小数，如 4800.00' },
    { key: 'deadline', header: '缴费截止日期', required: true, hint: '如 2026-03-31' },
    { key: 'mandatory', header: '是否必缴', required: false, hint: '是 / 否；不填则按收费项目' },
  ],
};

export const IMPORT_KIND_LABELS: Readonly<Record<ImportKind, string>> = { students: '学生名单', bills: '账单' };

/**
 * Rows per request: a chunk costs the same few database requests however many rows it has (each
 * lookup is one aggregation, the write one insert), so chunks are large: up to 5,000 rows, and no
 * more JSON than IMPORT_CHUNK_MAX_BYTES (5,000 bills are about 850 KB, a roster of 5,000 with
 * ordinary names and majors about 1.3 MB; a sheet of long cells makes smaller chunks). The console
 * sends a chunk gzip-compressed (a tenth of its size), within what the admin function takes
 * unpacked (REQUEST_MAX_BYTES).
 */
export const IMPORT_CHUNK_ROWS = 5000;
export const IMPORT_CHUNK_MAX_BYTES = 2 * 1024 * 1024;

/** One row as read from the sheet: its 1-based row number and its cells as text, by column key. */
export interface ImportRow {
  rowNumber: number;
  cells: Partial<Record<string, string>>;
}

export interface RowProblem {
  /** The sheet's header of the column, or '' for the row as a whole. */
  column: string;
  reason: string;
}

export interface RowChange {
  column: string;
  before: string;
  after: string;
}

/** create 新增, update 更新, unchanged 无变化 (already there as the file has it), invalid 有错误. */
export type RowOutcome = 'create' | 'update' | 'unchanged' | 'invalid';

export interface RowCheck {
  rowNumber: number;
  outcome: RowOutcome;
  problems: RowProblem[];
  /** For update: what changes, masked where personal. */
  changes: RowChange[];
}

export type ImportBatchStatus = 'IMPORTING' | 'DONE' | 'WITHDRAWN';

export interface ImportBatchView {
  batchId: string;
  kind: ImportKind;
  fileName: string;
  fileHash: string;
  status: ImportBatchStatus;
  startedAt: string;
  finishedAt: string | null;
  staffName: string;
  rowCount: number;
  created: number;
  updated: number;
  unchanged: number;
  invalid: number;
  /** Bills batches: unpaid bills voided when the batch was withdrawn. */
  withdrawn: number;
}

const cell = () => v.optional(v.string({ max: 200 }));
const importRow = () =>
  v.object({
    rowNumber: v.integer({ min: 1, max: 1_048_576 }),
    cells: v.object({
      studentNo: cell(),
      name: cell(),
      idNumber: cell(),
      college: cell(),
      major: cell(),
      grade: cell(),
      className: cell(),
      phone: cell(),
      term: cell(),
      itemName: cell(),
      amount: cell(),
      deadline: cell(),
      mandatory: cell(),
    }),
  });
const rows = () => v.array(importRow(), { min: 1, max: IMPORT_CHUNK_ROWS });
const kind = () => v.literal('students', 'bills');
const batchId = () => v.string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ });

export const importsContract = {
  checkImport: action<{ rows: RowCheck[] }>()({ request: v.object({ kind: kind(), rows: rows() }), access: access.console('cashier') }),
  startImport: action<ImportBatchView>()({
    request: v.object({
      kind: kind(),
      fileName: v.string({ min: 1, max: 120 }),
      fileHash: v.string({ min: 64, max: 64, pattern: /^[0-9a-f]+$/ }),
      rowCount: v.integer({ min: 1, max: 200_000 }),
    }),
    access: access.console('cashier'),
    audited: true,
  }),
  importRows: action<{ rows: RowCheck[] }>()({ request: v.object({ batchId: batchId(), kind: kind(), rows: rows() }), access: access.console('cashier') }),
  finishImport: action<ImportBatchView>()({ request: v.object({ batchId: batchId() }), access: access.console('cashier'), audited: true }),
  withdrawImport: action<ImportBatchView>()({
    request: v.object({ batchId: batchId(), reason: reasonText() }),
    access: access.console('cashier'),
    audited: true,
  }),
  listImports: action<{ items: ImportBatchView[] }>()({
    request: v.object({ kind: v.optional(kind()) }),
    access: access.console('admin', 'cashier', 'reviewer', 'viewer'),
  }),
};
