/**
 * The one place the pages turn instants into dates (deadlines, order and payment times, reset
 * notices): shown in Asia/Shanghai whatever the phone's time zone. The mini program has no Intl
 * time-zone support, and China has no daylight saving, so the wall clock is the instant + 08:00.
 *
 * dayjs formats it in UTC mode (its utc plugin) after that fixed shift, so the phone's zone is
 * never read. Not `dayjs(instant).utcOffset(480)`: the plugin computes that through the phone's
 * local time, and a Beijing time inside the phone's daylight-saving gap comes out an hour off.
 * The utc plugin is packed into miniprogram_npm by scripts/build-miniprogram.ts.
 */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);

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

// Reading stays with the engine's strict ISO 8601 parser: dayjs would also take "2024/09/01" and
// roll "2024-13-45" over into another date rather than refuse it.
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

/**
 * The instant as a dayjs whose fields are the Shanghai wall clock: shifted by the fixed offset and
 * read in UTC mode, then labelled +08:00 without moving the fields (so a Z token prints "+08:00").
 */
function shanghaiClock(input: Instant): dayjs.Dayjs {
  return dayjs.utc(toEpochMs(input) + OFFSET_MS).utcOffset(SHANGHAI_OFFSET_MINUTES, true);
}

/** The Shanghai wall clock of an instant. */
export function shanghaiWallClock(input: Instant): WallClock {
  const clock = shanghaiClock(input);
  return {
    year: clock.year(),
    month: clock.month() + 1,
    day: clock.date(),
    hour: clock.hour(),
    minute: clock.minute(),
    second: clock.second(),
    weekday: clock.day(),
  };
}

/**
 * Formats an instant as Shanghai time with dayjs's tokens (YYYY M MM D DD H HH mm ss, Z for
 * "+08:00"; text in [brackets] is printed as it is), e.g.
 * formatShanghai('2024-09-01T02:30:00Z') → "2024-09-01 10:30".
 */
export function formatShanghai(input: Instant, pattern = 'YYYY-MM-DD HH:mm'): string {
  return shanghaiClock(input).format(pattern);
}

/** "2024-09-01": the Shanghai calendar day of an instant. */
export function shanghaiDate(input: Instant): string {
  return formatShanghai(input, 'YYYY-MM-DD');
}
