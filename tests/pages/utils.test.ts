/**
 * The mini program's display helpers: what a student reads for amounts, dates and masked data.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { formatShanghai, shanghaiDate, shanghaiWallClock, toEpochMs } from '../../miniprogram/utils/date';
import { formatFen } from '../../miniprogram/utils/money';
import { dialString } from '../../miniprogram/utils/phone';
import { PROJECT_ROOT } from './paths';

describe('formatFen', () => {
  test.each([
    [320000, '¥3,200.00'],
    [0, '¥0.00'],
    [5, '¥0.05'],
    [150, '¥1.50'],
    [99999, '¥999.99'],
    [100000, '¥1,000.00'],
    [123456789, '¥1,234,567.89'],
    [-150, '-¥1.50'],
  ])('%i fen → %s', (fen, shown) => {
    expect(formatFen(fen)).toBe(shown);
  });

  test.each([[1.5], [0.1 + 0.2], [Number.NaN], [Number.POSITIVE_INFINITY], [2 ** 53]])(
    'refuses %p: amounts are integer fen',
    (fen) => {
      expect(() => formatFen(fen)).toThrow(TypeError);
    },
  );

  test('refuses a string amount', () => {
    expect(() => formatFen('3200' as unknown as number)).toThrow(TypeError);
  });
});

describe('dates in Asia/Shanghai', () => {
  test('an instant is shown as Beijing time', () => {
    expect(formatShanghai('2024-09-01T02:30:00Z')).toBe('2024-09-01 10:30');
    expect(formatShanghai('2024-09-01T02:30:05.000+00:00', 'YYYY年MM月DD日 HH:mm:ss')).toBe('2024年09月01日 10:30:05');
  });

  test('the calendar day changes at Beijing midnight, not UTC midnight', () => {
    expect(shanghaiDate('2024-08-31T15:59:59Z')).toBe('2024-08-31');
    expect(shanghaiDate('2024-08-31T16:00:00Z')).toBe('2024-09-01');
  });

  test('a date written without an offset is read as Beijing time', () => {
    expect(toEpochMs('2024-09-01 10:30')).toBe(Date.UTC(2024, 8, 1, 2, 30));
    expect(toEpochMs('2024-09-01')).toBe(Date.UTC(2024, 7, 31, 16, 0));
  });

  test('epoch milliseconds and Date objects are accepted', () => {
    const ms = Date.UTC(2025, 0, 31, 23, 0);
    expect(shanghaiWallClock(ms)).toEqual({ year: 2025, month: 2, day: 1, hour: 7, minute: 0, second: 0, weekday: 6 });
    expect(formatShanghai(new Date(ms))).toBe('2025-02-01 07:00');
  });

  test('literal text in [brackets] and unpadded tokens', () => {
    expect(formatShanghai('2024-03-09T18:30:05Z', '[截至] YYYY年M月D日 H:mm:ss')).toBe('截至 2024年3月10日 2:30:05');
  });

  test('a phone set to another time zone still sees Beijing time, even in its daylight-saving gap', () => {
    // 2024-03-10 02:30 in Beijing is inside New York's spring-forward gap (02:00–03:00).
    const script = `const d = require(${JSON.stringify(path.join(PROJECT_ROOT, 'miniprogram/utils/date.ts'))});
      process.stdout.write(JSON.stringify([new Date(0).getTimezoneOffset(), d.formatShanghai('2024-03-09T18:30:00Z'), d.shanghaiDate('2024-07-01T15:59:00Z'), d.formatShanghai('2024-03-09T18:30:00Z', 'YYYY-MM-DDTHH:mm:ssZ')]));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TZ: 'America/New_York' },
      encoding: 'utf8',
    });
    const [offset, shown, day, withOffset] = JSON.parse(out) as [number, string, string, string];
    expect(offset).toBe(300); // the child really ran in New York time
    expect(shown).toBe('2024-03-10 02:30');
    expect(day).toBe('2024-07-01');
    // An offset, when a format asks for one, is Beijing's.
    expect(withOffset).toBe('2024-03-10T02:30:00+08:00');
  });

  test('nonsense is refused rather than shown as "Invalid Date"', () => {
    expect(() => formatShanghai('not a date')).toThrow(RangeError);
    expect(() => formatShanghai('2024/09/01')).toThrow(RangeError);
  });
});

test('help-line numbers are dialled without separators', () => {
  expect(dialString('0535-6916496')).toBe('05356916496');
  expect(dialString('400-651-1512')).toBe('4006511512');
});
