/**
 * How the server reads 学号 and 学年学期, repeated for the checks only the browser can make (a
 * duplicate across the whole file; the server sees one chunk at a time) and for exact-match
 * filters. The console may import values only from the contracts and the kernel, and these rules
 * live in the features' domains, so these few lines are copies: each names the server function it
 * must agree with.
 */

/** Must match normalizeStudentNo (cloudfunctions/shared/students/domain/student.ts): NFKC, no whitespace, upper case. */
export function normalizeStudentNo(text: string): string {
  return text.normalize('NFKC').replace(/\s/g, '').toUpperCase();
}

const TERM_NUMBERS: Readonly<Record<string, string>> = { 一: '1', 二: '2', '1': '1', '2': '2' };

/**
 * Must match normalizeTerm (cloudfunctions/shared/billing/domain/bill-row.ts): "2025-2026-1" or
 * "2025-2026学年第一学期" → "2025-2026-1"; null otherwise.
 */
export function normalizeTerm(text: string): string | null {
  const plain = text.normalize('NFKC').replace(/\s/g, '');
  const match = /^(\d{4})-(\d{4})(?:-([12])|学年第([一二12])学期)$/.exec(plain);
  if (!match || Number(match[2]) !== Number(match[1]) + 1) return null;
  return `${match[1]}-${match[2]}-${TERM_NUMBERS[match[3] ?? match[4] ?? ''] ?? ''}`;
}

/** Must match findFeeItem (cloudfunctions/shared/billing/domain/bill-row.ts): a fee item named by name or code, spaces and width ignored. */
export function feeItemKey(typed: string, items: readonly { code: string; name: string; active: boolean }[]): string | null {
  const plain = typed.normalize('NFKC').replace(/\s/g, '');
  const item = items.find((candidate) => candidate.active && (candidate.name === plain || candidate.code === plain.toUpperCase()));
  return item ? item.code : null;
}

/** "2025-2026-1" → "2025-2026学年第一学期"; anything else as it is. */
export function termLabel(term: string): string {
  const match = /^(\d{4})-(\d{4})-([12])$/.exec(term);
  if (!match) return term;
  return `${match[1]}-${match[2]}学年第${match[3] === '1' ? '一' : '二'}学期`;
}
