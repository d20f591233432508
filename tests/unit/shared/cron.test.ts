import { parseCron } from '../../../local/timers';

describe('timer trigger cron (seven fields, China time)', () => {
  const at = (iso: string): Date => new Date(iso);

  it('fires every five minutes on the minute', () => {
    const every5 = parseCron('0 */5 * * * * *');
    expect(every5(at('2026-11-28T10:05:00+08:00'))).toBe(true);
    expect(every5(at('2026-11-28T10:06:00+08:00'))).toBe(false);
    expect(every5(at('2026-11-28T10:05:01+08:00'))).toBe(false);
  });

  it('reads hours in China time, not UTC', () => {
    const tenThirty = parseCron('0 30 10 * * * *');
    expect(tenThirty(at('2026-11-28T10:30:00+08:00'))).toBe(true);
    expect(tenThirty(at('2026-11-28T10:30:00Z'))).toBe(false);
  });

  it('supports lists and ranges, and refuses a malformed expression', () => {
    const workHours = parseCron('0 0 9-17 * * 1-5 *');
    expect(workHours(at('2026-11-30T09:00:00+08:00'))).toBe(true); // Monday
    expect(workHours(at('2026-11-29T09:00:00+08:00'))).toBe(false); // Sunday
    expect(() => parseCron('*/5 * * * *')).toThrow(/7 fields/);
    expect(() => parseCron('0 61 * * * * *')).toThrow(/invalid/);
  });
});
