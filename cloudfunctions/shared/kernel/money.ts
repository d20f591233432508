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
