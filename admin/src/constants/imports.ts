/**
 * The import sheets as the console shows them (the import contract's IMPORT_COLUMNS,
 * IMPORT_KIND_LABELS and IMPORT_CHUNK_ROWS; the console may import only types from it, so the
 * words are repeated here, each key typed by the contract's row cells, and the browser test
 * checks they match what the server says).
 */
import type { IMPORT_CHUNK_ROWS as SERVER_IMPORT_CHUNK_ROWS } from '../../../cloudfunctions/shared/imports/contract';
import type { ImportCellKey } from '../api/imports';
import type { ImportKind, ImportBatchStatus } from '../api/types';

export interface SheetColumn {
  key: ImportCellKey;
  header: string;
  required: boolean;
  hint: string;
}

export const IMPORT_KINDS: readonly ImportKind[] = ['students', 'bills'];

export const IMPORT_KIND_LABELS: Readonly<Record<ImportKind, string>> = { students: '学生名单', bills: '账单' };

export const IMPORT_COLUMNS: Readonly<Record<ImportKind, readonly SheetColumn[]>> = {
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

/** Rows per request, typed as the server's own constant so a change there fails the type check here. */
export const IMPORT_CHUNK_ROWS: typeof SERVER_IMPORT_CHUNK_ROWS = 5000;

/** The most rows one import may have (startImport's rowCount limit). */
export const IMPORT_MAX_ROWS = 200_000;

/** The longest cell the server accepts (the contract's cell schema). */
export const IMPORT_CELL_MAX_LENGTH = 200;

export const IMPORT_STATUS_TEXT: Readonly<Record<ImportBatchStatus, string>> = {
  IMPORTING: '未完成',
  DONE: '已完成',
  WITHDRAWN: '已撤回',
};
