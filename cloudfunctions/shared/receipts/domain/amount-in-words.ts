import type { Fen } from '../../kernel/money';

/**
 * An amount in Chinese financial capitals (大写金额), as written on receipts and cheques, following
 * the People's Bank of China rules (《支付结算办法》附件一):
 * - 壹拾 for a leading ten (壹拾元整, never 拾元整);
 * - one 零 for any run of zeros between non-zero digits, also across 万 and 亿 (壹拾万零壹拾元整);
 *   when the zeros end at the 万 digit and the 仟 digit is not 0, the optional 零 is not written, as
 *   in the rules' own example (107,000.53 → 壹拾万柒仟元伍角叁分);
 * - 整 after 元 or 角 when there is no 分 (叁仟贰佰元整, 壹元伍角整), never after 分;
 * - 零 after 元 when 角 is 0 and 分 is not (壹元零伍分); when the 元 digit is 0 and 角 is not, the
 *   optional 零 is not written (壹仟陆佰捌拾元叁角贰分);
 * - below one yuan there is no 元 (伍角整, 伍分); zero is 零元整.
 */

const DIGITS = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'] as const;
const PLACES = ['', '拾', '佰', '仟'] as const;

export class AmountInWordsError extends Error {}

/** The largest amount this writes: every safe integer number of fen (about 90 万亿 yuan). */
export const MAX_AMOUNT_IN_WORDS_FEN = Number.MAX_SAFE_INTEGER;

/** One group of four digits (1–9999) without its section unit. */
function groupInWords(group: number): string {
  let out = '';
  let zeroPending = false;
  for (let place = 3; place >= 0; place -= 1) {
    const digit = Math.floor(group / 10 ** place) % 10;
    if (digit === 0) {
      if (out !== '') zeroPending = true;
      continue;
    }
    if (zeroPending) out += '零';
    zeroPending = false;
    out += DIGITS[digit] + PLACES[place];
  }
  return out;
}

/** Below 10^8: up to two groups of four digits, 万 between them. */
function belowYi(yuan: number): string {
  const high = Math.floor(yuan / 10000);
  const low = yuan % 10000;
  let out = high > 0 ? `${groupInWords(high)}万` : '';
  if (low > 0) out += (high > 0 && low < 1000 ? '零' : '') + groupInWords(low);
  return out;
}

/**
 * Whole yuan in words, without 元 (0 gives ''). Above 亿 the part before 亿 is written like any
 * number (壹万贰仟叁佰肆拾伍亿, not 壹万亿贰仟…亿).
 */
function yuanInWords(yuan: number): string {
  if (yuan < 100_000_000) return belowYi(yuan);
  const high = Math.floor(yuan / 100_000_000);
  const low = yuan % 100_000_000;
  let out = `${yuanInWords(high)}亿`;
  if (low > 0) out += (low < 10_000_000 ? '零' : '') + belowYi(low);
  return out;
}

export function amountInWords(amount: Fen): string {
  if (!Number.isSafeInteger(amount)) throw new AmountInWordsError(`amount must be an integer number of fen, got ${amount}`);
  if (Math.abs(amount) > MAX_AMOUNT_IN_WORDS_FEN) throw new AmountInWordsError(`amount too large to write in words: ${amount}`);
  if (amount < 0) return `负${amountInWords(-amount as Fen)}`;
  if (amount === 0) return '零元整';

  // Integer arithmetic only: the fen part is exact for every safe integer.
  const fenDigit = amount % 10;
  const jiaoDigit = Math.floor(amount / 10) % 10;
  const yuan = Math.floor(amount / 100);

  let out = '';
  if (yuan > 0) out += `${yuanInWords(yuan)}元`;
  if (jiaoDigit > 0) out += `${DIGITS[jiaoDigit]}角`;
  else if (yuan > 0 && fenDigit > 0) out += '零';
  if (fenDigit > 0) out += `${DIGITS[fenDigit]}分`;
  else out += '整';
  return out;
}
