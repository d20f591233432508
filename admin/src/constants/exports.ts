/**
 * The exports as the console names and writes them: their names, columns and page size are the
 * billing contract's (EXPORT_LABELS, EXPORT_COLUMNS, EXPORT_PAGE_ROWS); what each holds, as the
 * page explains it, and the files' names are the console's.
 */
import { EXPORT_COLUMNS, EXPORT_LABELS, EXPORT_PAGE_ROWS } from '../../../cloudfunctions/shared/billing/contract';
import type { ExportKind } from '../api/types';

export { EXPORT_COLUMNS, EXPORT_LABELS, EXPORT_PAGE_ROWS };

/** In the contract's order, as the page offers them. */
export const EXPORT_KINDS = Object.keys(EXPORT_LABELS) as readonly ExportKind[];

/** What each export holds, as the page explains it before the person starts one. */
export const EXPORT_DESCRIPTIONS: Readonly<Record<ExportKind, string>> = {
  unpaid: '一学期内仍有未缴账单（待缴费或缴费中）的学生，每人一行：必缴与选缴项目分列、各有金额，及最早截止日期，用于催缴；默认只含必缴。',
  payments: '支付日期范围内已支付的订单（含之后退款的），每笔一行：支付时间、订单号、学号、项目与金额。',
  bills: '按条件筛选的账单，每张一行：学生、学期、项目、金额、截止日期与状态。',
};

/** The first part of each file's name: 未缴学生_2026-2027-1_20261205.xlsx. */
export const EXPORT_FILE_PREFIXES: Readonly<Record<ExportKind, string>> = {
  unpaid: '未缴学生',
  payments: '缴费记录',
  bills: '账单明细',
};

/** 缴费记录: the last paid day may be at most this many days after the first (the server's one-year limit). */
export const PAYMENTS_MAX_SPAN_DAYS = 366;
