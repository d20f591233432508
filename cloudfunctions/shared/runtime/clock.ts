/**
 * The one source of "now" for function code. Production uses the system clock; the local cloud
 * installs its own (shared with its cloudPay sandbox) so tests can move time past a 5-minute rule
 * or an expiry without sleeping. The hook is a global symbol because every deployed function is a
 * separate bundle with its own copy of this module.
 */
const CLOCK_KEY = Symbol.for('zhihui-jiaofei.clock');

type ClockFn = () => number;

export function now(): Date {
  const installed = (globalThis as Record<symbol, ClockFn | undefined>)[CLOCK_KEY];
  return new Date(installed ? installed() : Date.now());
}

export function installClock(clock: ClockFn | undefined): void {
  (globalThis as Record<symbol, ClockFn | undefined>)[CLOCK_KEY] = clock;
}
