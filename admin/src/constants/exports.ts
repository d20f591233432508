/**
 * The exports as the console names and writes them (the billing contract's EXPORT_LABELS,
 * EXPORT_COLUMNS and EXPORT_PAGE_ROWS; the console may import only types from it, so they are
 * repeated here: the columns and page size are typed as the server's own constants, so a change
 * there fails the type check here, and the browser test checks the labels).
 */
import type { EXPORT_COLUMNS as SERVER_EXPORT_COLUMNS, EXPORT_PAGE_ROWS as SERVER_EXPORT_PAGE_ROWS } from '../../../cloudfunctions/shared/billing/contract';
import type { ExportKind } from '../api/types';

export const EXPORT_KINDS: readonly ExportKind[] = ['unpaid', 'payments', 'bills'];

export const EXPORT_LABELS: Readonly<Record<ExportKind, string>> = {
  unpaid: '未缴学生名单（催缴）',
  payments: '缴费记录',
  bills: '账单明细',
};

/** What each export holds, as the page explains it before the person starts one. */
export const EXPORT_DESCRIPTIONS: Readonly<Record<ExportKind, string>> = {
  unpaid: '一学期内仍有未缴账单（待缴费或缴费中）的学生，每人一行：未缴项目、合计金额与最早截止日期，用于催缴。',
  payments: '支付日期范围内已支付的订单（含之后退款的），每笔一行：支付时间、订单号、学号、项目与金额。',
  bills: '按条件筛选的账单，每张一行：学生、学期、项目、金额、截止日期与状态。',
};

/** The first part of each file's name: 未缴学生_2026-2027-1_20261205.xlsx. */
export const EXPORT_FILE_PREFIXES: Readonly<Record<ExportKind, string>> = {
  unpaid: '未缴学生',
  payments: '缴费记录',
  bills: '账单明细',
};

export const EXPORT_COLUMNS: typeof SERVER_EXPORT_COLUMNS = {
  unpaid: [
    { header: '学号', field: 'studentNo' },
    { header: '姓名', field: 'studentName' },
    { header: '学院', field: 'college' },
    { header: '专业', field: 'major' },
    { header: '年级', field: 'grade' },
    { header: '班级', field: 'className' },
    { header: '未缴项目', field: 'items' },
    { header: '未缴金额（元）', field: 'amount', money: true },
    { header: '最早截止日期', field: 'earliestDeadline' },
  ],
  payments: [
    { header: '支付时间', field: 'paidAt' },
    { header: '商户订单号', field: 'outTradeNo' },
    { header: '微信支付单号', field: 'transactionId' },
    { header: '学号', field: 'studentNo' },
    { header: '收费项目', field: 'items' },
    { header: '金额（元）', field: 'amount', money: true },
    { header: '已退款（元）', field: 'refunded', money: true },
    { header: '订单状态', field: 'statusText' },
  ],
  bills: [
    { header: '学号', field: 'studentNo' },
    { header: '姓名', field: 'studentName' },
    { header: '学院', field: 'college' },
    { header: '专业', field: 'major' },
    { header: '年级', field: 'grade' },
    { header: '班级', field: 'className' },
    { header: '学年学期', field: 'term' },
    { header: '收费项目', field: 'itemName' },
    { header: '金额（元）', field: 'amount', money: true },
    { header: '缴费截止日期', field: 'deadline' },
    { header: '是否必缴', field: 'mandatory' },
    { header: '状态', field: 'statusText' },
  ],
};

/** Rows per exportRows page. */
export const EXPORT_PAGE_ROWS: typeof SERVER_EXPORT_PAGE_ROWS = 1000;

/** 缴费记录: the last paid day may be at most this many days after the first (the server's one-year limit). */
export const PAYMENTS_MAX_SPAN_DAYS = 366;
