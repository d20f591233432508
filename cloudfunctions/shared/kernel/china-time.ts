/**
 * Time as students, finance staff and WeChat Pay read it: Asia/Shanghai, which has no daylight
 * saving, so the wall clock is always the instant + 8 hours. Pure; the one place this offset lives.
 */
export const CHINA_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A Date whose UTC fields (getUTCHours…) read the China wall clock of `at`. */
export function chinaWallClock(at: Date): Date {
  return new Date(at.getTime() + CHINA_OFFSET_MS);
}

/** The instant at this China wall-clock time (month 1–12). */
export function fromChinaWallClock(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): Date {
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - CHINA_OFFSET_MS);
}

/**
 * A calendar date as a spreadsheet holds it ("2026-03-31", "2026/3/31", "2026年3月31日") → the
 * last second of that day in China time; null when it is no real date.
 */
export function parseChinaDateEndOfDay(text: string): Date | null {
  const match = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(text.normalize('NFKC').trim());
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const start = fromChinaWallClock(year, month, day);
  if (shanghaiDate(start) !== `${match[1]}-${pad(month)}-${pad(day)}`) return null;
  return new Date(start.getTime() + DAY_MS - 1000);
}

/** Beijing hour of day (0–23). */
export function shanghaiHour(at: Date): number {
  return chinaWallClock(at).getUTCHours();
}

/** The calendar date in Asia/Shanghai, e.g. 2026-03-01. */
export function shanghaiDate(at: Date): string {
  return chinaWallClock(at).toISOString().slice(0, 10);
}

/** Date and time in Asia/Shanghai, e.g. 2026-03-01 09:30:00 (also WeChat Pay's statement format). */
export function shanghaiDateTime(at: Date): string {
  return chinaWallClock(at).toISOString().slice(0, 19).replace('T', ' ');
}

/** Date and time to the minute in Asia/Shanghai, e.g. 2026-03-01 09:30. */
export function shanghaiMinute(at: Date): string {
  return shanghaiDateTime(at).slice(0, 16);
}

/** 2026-11-28T02:03:04Z → "20261128100304" (WeChat Pay's yyyyMMddHHmmss, Beijing time). */
export function formatWxTime(at: Date): string {
  const d = chinaWallClock(at);
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`
  );
}

/** "20261128100304" (Beijing time) → the instant; null when it is not that format or not a real time. */
export function parseWxTime(text: unknown): Date | null {
  if (typeof text !== 'string') return null;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const at = fromChinaWallClock(y, mo, d, h, mi, s);
  const check = chinaWallClock(at);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return at;
}

/** The Beijing calendar day of an instant, as yyyyMMdd. */
export function shanghaiDay(at: Date): string {
  return formatWxTime(at).slice(0, 8);
}

/** The Beijing calendar day before `at`'s, as yyyyMMdd (downloadBill's bill_date). */
export function previousShanghaiDay(at: Date): string {
  return shanghaiDay(new Date(at.getTime() - DAY_MS));
}

/** "2026-11-28 10:05:00" (Beijing time, as WeChat's statement and refund notice write it) → the instant. */
export function parseShanghaiDateTime(text: unknown): Date | null {
  if (typeof text !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  return parseWxTime(`${m[1]}${m[2]}${m[3]}${m[4]}${m[5]}${m[6]}`);
}

/** The instants a Beijing calendar day (yyyyMMdd) starts and ends at. */
export function shanghaiDayRange(day: string): { start: Date; end: Date } | null {
  const start = parseWxTime(`${day}000000`);
  if (!start) return null;
  return { start, end: new Date(start.getTime() + DAY_MS) };
}

/** The Beijing day `days` before `day` (yyyyMMdd). */
export function shanghaiDayBefore(day: string, days = 1): string {
  const range = shanghaiDayRange(day);
  if (!range) throw new Error(`not a day: ${day}`);
  return shanghaiDay(new Date(range.start.getTime() - days * DAY_MS));
}
