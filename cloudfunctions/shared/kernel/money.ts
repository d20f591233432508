/**
 * Money is integer fen everywhere: in the database, in every contract and in every computation.
 * The brand keeps a plain number (a count, a yuan amount) from being passed where fen is meant.
 */
export type Fen = number & { readonly __unit: 'fen' };

export class MoneyError extends Error {}

export function fen(value: number): Fen {
  if (!Number.isSafeInteger(value)) throw new MoneyError(`amount must be an integer number of fen, got ${value}`);
  return value as Fen;
}

export function sumFen(values: readonly Fen[]): Fen {
  return fen(values.reduce((total, value) => total + value, 0));
}

/**
 * An amount in 元 as people type it into a spreadsheet ("4800", "4,800.00", "¥4800.5", full-width
 * digits) → fen; null when it is not a plain amount with at most two decimals. Decimal text is
 * read digit by digit, never through a float.
 */
export function parseYuan(text: string): Fen | null {
  const plain = text.normalize('NFKC').trim().replace(/^[¥￥]/, '').replace(/,/g, '').trim();
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(plain);
  if (!match) return null;
  return fen(Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0')));
}

/** 320000 → "3,200.00" (no currency sign; the views add ¥). */
export function formatFenPlain(value: Fen): string {
  const negative = value < 0;
  const abs = Math.abs(value);
  const yuan = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 100).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${yuan}.${cents}`;
}

/**
 * An amount in a subscribe message's `amount` field: WeChat takes a currency sign and at most ten
 * digits with an optional decimal part, so no grouping commas (¥4400.00).
 */
export function formatFenForMessage(value: Fen): string {
  return `¥${formatFenPlain(value).replace(/,/g, '')}`;
}
