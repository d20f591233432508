/**
 * Dates are shown in Asia/Shanghai whatever the phone's time zone. The mini program has no Intl
 * time-zone support, and China has no daylight saving, so the wall clock is the instant + 08:00,
 * read with the UTC getters.
 *
 * Formatting does not go through dayjs: dayjs reads the phone's local time, and the npm build packs
 * only its main file (no utc/timezone plugins), so a phone abroad would show its own zone — and a
 * Beijing time that falls in its daylight-saving gap could not be shown at all.
 */
export const SHANGHAI_OFFSET_MINUTES = 8 * 60;
const OFFSET_MS = SHANGHAI_OFFSET_MINUTES * 60 * 1000;

export type Instant = string | number | Date;

export interface WallClock {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;

/** Epoch milliseconds. ISO strings without an offset are read as Shanghai time. Throws if invalid. */
export function toEpochMs(input: Instant): number {
  let ms: number;
  if (input instanceof Date) {
    ms = input.getTime();
  } else if (typeof input === 'number') {
    ms = input;
  } else {
    const text = input.trim();
    if (LOCAL_DATE_TIME.test(text)) {
      const withTime = text.length === 10 ? `${text}T00:00:00` : text.replace(' ', 'T');
      ms = Date.parse(`${withTime}+08:00`);
    } else if (HAS_OFFSET.test(text)) {
      ms = Date.parse(text);
    } else {
      ms = Number.NaN;
    }
  }
  if (!Number.isFinite(ms)) throw new RangeError(`Invalid date: ${String(input)}`);
  return ms;
}

/** The Shanghai wall clock of an instant. */
export function shanghaiWallClock(input: Instant): WallClock {
  const shifted = new Date(toEpochMs(input) + OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    weekday: shifted.getUTCDay(),
  };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** dayjs-style tokens; text in [brackets] is printed as it is. */
const TOKENS = /\[([^\]]*)]|YYYY|YY|MM|M|DD|D|HH|H|mm|m|ss|s/g;

/**
 * Formats an instant as Shanghai time with dayjs-style tokens (YYYY YY MM M DD D HH H mm m ss s),
 * e.g. formatShanghai('2024-09-01T02:30:00Z') → "2024-09-01 10:30".
 */
export function formatShanghai(input: Instant, pattern = 'YYYY-MM-DD HH:mm'): string {
  const w = shanghaiWallClock(input);
  return pattern.replace(TOKENS, (token: string, literal: string | undefined) => {
    if (literal !== undefined) return literal;
    switch (token) {
      case 'YYYY':
        return String(w.year);
      case 'YY':
        return String(w.year).slice(-2);
      case 'MM':
        return pad2(w.month);
      case 'M':
        return String(w.month);
      case 'DD':
        return pad2(w.day);
      case 'D':
        return String(w.day);
      case 'HH':
        return pad2(w.hour);
      case 'H':
        return String(w.hour);
      case 'mm':
        return pad2(w.minute);
      case 'm':
        return String(w.minute);
      case 'ss':
        return pad2(w.second);
      default:
        return String(w.second);
    }
  });
}

/** "2024-09-01": the Shanghai calendar day of an instant. */
export function shanghaiDate(input: Instant): string {
  return formatShanghai(input, 'YYYY-MM-DD');
}
