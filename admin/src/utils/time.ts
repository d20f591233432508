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

/** Today in Beijing, `2026-12-05`: for a file's name and a form's default dates. */
export function beijingToday(): string {
  return day(new Date(Date.now() + BEIJING_OFFSET_MS));
}

/** The whole days from one `YYYY-MM-DD` to another (negative when the second is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The `YYYY-MM-DD` this many days after a `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
  return day(new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000));
}
