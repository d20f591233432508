/**
 * Money is integer fen everywhere; the client only formats it, it never computes amounts.
 */

/** 320000 → "¥3,200.00"; -150 → "-¥1.50". Throws on anything that is not a safe integer. */
export function formatFen(fen: number): string {
  if (typeof fen !== 'number' || !Number.isSafeInteger(fen)) {
    throw new TypeError(`formatFen expects an integer amount in fen, got ${String(fen)}`);
  }
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100);
  const cents = abs % 100;
  const grouped = String(yuan).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}¥${grouped}.${cents < 10 ? '0' : ''}${cents}`;
}
