/**
 * Times as the finance office reads them: Beijing time (UTC+8, no daylight saving), whatever
 * time zone the PC is set to.
 */
const BEIJING_OFFSET_MS = 8 * 3600_000;

const pad = (value: number): string => String(value).padStart(2, '0');

/** The Beijing wall clock of an ISO time in the UTC fields of a Date; null for a time that does not parse. */
function beijingClock(iso: string): Date | null {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? null : new Date(at.getTime() + BEIJING_OFFSET_MS);
}

const day = (clock: Date): string => `${clock.getUTCFullYear()}-${pad(clock.getUTCMonth() + 1)}-${pad(clock.getUTCDate())}`;

/** `2025-09-01 08:30` */
export function formatBeijingTime(iso: string): string {
  const clock = beijingClock(iso);
  return clock ? `${day(clock)} ${pad(clock.getUTCHours())}:${pad(clock.getUTCMinutes())}` : '—';
}

/** `2025-09-01`: the calendar day in Beijing. */
export function formatBeijingDate(iso: string): string {
  const clock = beijingClock(iso);
  return clock ? day(clock) : '—';
}
