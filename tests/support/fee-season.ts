/**
 * The moment the tests' local clouds start their clocks at (they run on from there): a weekday of
 * the autumn fee season, so the demo term's deadline (12-31) is ahead, reminders can be asked for,
 * and every test reads the same calendar whatever day it runs. A test that needs another moment
 * passes its own `startAt`.
 */
export const FEE_SEASON_NOW = new Date('2026-12-07T10:00:00+08:00');
