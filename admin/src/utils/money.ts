/**
 * Money in the console: amounts arrive and leave as integer fen; 元 appear only as text, read and
 * written digit by digit by the kernel's own rules (kernel/money.ts), so no float ever takes part
 * in a sum or a conversion, and the console reads a typed amount exactly as the server does.
 */
import { formatFenPlain, parseYuan, type Fen } from '../../../cloudfunctions/shared/kernel/money';

/** 320000 → "3,200.00" */
export const formatFen = (fen: number): string => formatFenPlain(fen as Fen);

/** 320000 → "¥3,200.00" */
export const formatYuan = (fen: number): string => `¥${formatFen(fen)}`;

/**
 * An amount in 元 as typed ("4800", "4,800.00", "¥4800.5", full-width digits) → fen; null when it
 * is not a plain amount with at most two decimals.
 */
export const parseYuanToFen = (text: string): number | null => parseYuan(text);

/** The largest single bill the server accepts (1,000,000 元), as adjustBill's schema says. */
export const MAX_BILL_FEN = 100_000_000;

/**
 * 450050 → 4500.5, for a spreadsheet's number cell (shown with '0.00'). The division is rounded
 * once, to the double nearest the exact 元, which is the same number Excel reads from "4500.50".
 */
export const fenToYuanNumber = (fen: number): number => fen / 100;

/** 875 (‰) → "87.5%" */
export function formatPerMille(perMille: number): string {
  return `${Math.floor(perMille / 10)}.${perMille % 10}%`;
}

/** For chart axes, in whole 元: 320000 → "3,200", 125000000 → "125.0万". */
export function formatFenShort(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  if (abs >= 1_000_000) {
    const tenths = Math.round(abs / 100_000);
    return `${sign}${Math.floor(tenths / 10).toLocaleString('zh-CN')}.${tenths % 10}万`;
  }
  return `${sign}${Math.round(abs / 100).toLocaleString('zh-CN')}`;
}
