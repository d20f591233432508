/**
 * Money in the console: amounts arrive and leave as integer fen; 元 appear only as text, read and
 * written digit by digit, so no float ever takes part in a sum or a conversion.
 */

/** 320000 → "3,200.00" */
export function formatFen(fen: number): string {
  const negative = fen < 0;
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = String(abs % 100).padStart(2, '0');
  return `${negative ? '-' : ''}${yuan}.${cents}`;
}

/** 320000 → "¥3,200.00" */
export const formatYuan = (fen: number): string => `¥${formatFen(fen)}`;

/**
 * An amount in 元 as typed ("4800", "4,800.00", "¥4800.5", full-width digits) → fen; null when it
 * is not a plain amount with at most two decimals. Reads the same text the same way as the
 * server's parseYuan (cloudfunctions/shared/kernel/money.ts).
 */
export function parseYuanToFen(text: string): number | null {
  const plain = text.normalize('NFKC').trim().replace(/^[¥￥]/, '').replace(/,/g, '').trim();
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(plain);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** The largest single bill the server accepts (1,000,000 元), as adjustBill's schema says. */
export const MAX_BILL_FEN = 100_000_000;
