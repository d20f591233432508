/**
 * Resident identity numbers (居民身份证号码, GB 11643-1999): parsing the way people type them,
 * validation and the 15 → 18 digit conversion. Pure: "today" is passed in.
 */

export type IdNumberProblem =
  /** Not 15 or 18 characters, or characters other than digits and a final X. */
  | 'format'
  /** The first two digits are not a province-level region code. */
  | 'region'
  /** The birth date inside the number does not exist (e.g. 19990230). */
  | 'birthDate'
  /** The birth date inside the number is after today. */
  | 'futureDate'
  /** The 18th character does not match the GB 11643 check digit. */
  | 'checksum';

export type ParsedIdNumber =
  | {
      ok: true;
      /** The canonical 18-character form (upper-case X), what is hashed and stored masked. */
      id: string;
      /** YYYY-MM-DD */
      birthDate: string;
      /** True when the input was a legacy 15-digit number and was converted. */
      converted: boolean;
    }
  | { ok: false; problem: IdNumberProblem };

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** Province-level codes of GB/T 2260 (including 71 台湾, 81 香港, 82 澳门 and 83 for residence permits). */
const PROVINCES = new Set([
  '11', '12', '13', '14', '15',
  '21', '22', '23',
  '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46',
  '50', '51', '52', '53', '54',
  '61', '62', '63', '64', '65',
  '71', '81', '82', '83',
]);

/**
 * What people type: spaces (also full-width and inside the number), full-width digits and Ｘ, a
 * lower-case x, hyphens. Returns the bare characters, upper-cased; it does not validate.
 */
export function normalizeIdNumberInput(input: string): string {
  let out = '';
  for (const char of input) {
    const code = char.codePointAt(0) as number;
    if (code >= 0xff10 && code <= 0xff19) out += String.fromCharCode(code - 0xff10 + 0x30); // ０-９
    else if (char === 'Ｘ' || char === 'ｘ') out += 'X';
    else if (/[\s\u3000\-－_]/.test(char)) continue;
    else out += char.toUpperCase();
  }
  return out;
}

/** The GB 11643 check character for the first 17 digits. */
export function idCheckDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17[i]) * (WEIGHTS[i] as number);
  return CHECK_CHARS[sum % 11] as string;
}

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

/** Today's date in China (UTC+8, no daylight saving), as YYYYMMDD. */
function chinaDateKey(today: Date): string {
  const shifted = new Date(today.getTime() + 8 * 3600 * 1000);
  const y = shifted.getUTCFullYear();
  const m = String(shifted.getUTCMonth() + 1).padStart(2, '0');
  const d = String(shifted.getUTCDate()).padStart(2, '0');
  return `${y}${m}${d}`;
}

function checkBirthDate(yyyymmdd: string, today: Date): IdNumberProblem | null {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (year < 1900 || !isRealDate(year, month, day)) return 'birthDate';
  if (yyyymmdd > chinaDateKey(today)) return 'futureDate';
  return null;
}

/** Converts a legacy 15-digit number (born 19YY) to 18 digits. Expects 15 digits. */
export function convertLegacyIdNumber(id15: string): string {
  const first17 = `${id15.slice(0, 6)}19${id15.slice(6)}`;
  return first17 + idCheckDigit(first17);
}

export function parseIdNumber(input: string, today: Date): ParsedIdNumber {
  const value = normalizeIdNumberInput(input);
  let id: string;
  let converted = false;
  if (/^\d{15}$/.test(value)) {
    if (!PROVINCES.has(value.slice(0, 2))) return { ok: false, problem: 'region' };
    const birth = `19${value.slice(6, 12)}`;
    const dateProblem = checkBirthDate(birth, today);
    if (dateProblem) return { ok: false, problem: dateProblem };
    id = convertLegacyIdNumber(value);
    converted = true;
  } else if (/^\d{17}[\dX]$/.test(value)) {
    if (!PROVINCES.has(value.slice(0, 2))) return { ok: false, problem: 'region' };
    const dateProblem = checkBirthDate(value.slice(6, 14), today);
    if (dateProblem) return { ok: false, problem: dateProblem };
    if (idCheckDigit(value.slice(0, 17)) !== value[17]) return { ok: false, problem: 'checksum' };
    id = value;
  } else {
    return { ok: false, problem: 'format' };
  }
  const b = id.slice(6, 14);
  return { ok: true, id, birthDate: `${b.slice(0, 4)}-${b.slice(4, 6)}-${b.slice(6, 8)}`, converted };
}

/** The initial password the university issues: the last 8 characters of the 18-character number. */
export function initialPasswordOf(id18: string): string {
  return id18.slice(-8).toUpperCase();
}
