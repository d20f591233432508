/**
 * Times as the finance office reads them: Beijing time (UTC+8, no daylight saving), whatever
 * time zone the PC is set to.
 */
const BEIJING_OFFSET_MS = 8 * 3600_000;

const pad = (value: number): string => String(value).padStart(2, '0');

/** `2025-09-01 08:30` */
export function formatBeijingTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '—';
  const beijing = new Date(at.getTime() + BEIJING_OFFSET_MS);
  return `${beijing.getUTCFullYear()}-${pad(beijing.getUTCMonth() + 1)}-${pad(beijing.getUTCDate())} ${pad(beijing.getUTCHours())}:${pad(beijing.getUTCMinutes())}`;
}
