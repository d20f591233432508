import { chinaWallClock } from '../cloudfunctions/shared/kernel/china-time';
import type { LocalCloud } from './cloud';

/**
 * Timer triggers from each function's config.json, fired by the local clock the way Cloud
 * Development fires them. Their cron has seven fields: second minute hour day month weekday year.
 */

type FieldMatcher = (value: number) => boolean;

const FIELD_RANGES: readonly [number, number][] = [
  [0, 59], // second
  [0, 59], // minute
  [0, 23], // hour
  [1, 31], // day of month
  [1, 12], // month
  [0, 6], // day of week (0 = Sunday)
  [1970, 2099], // year
];

function parseField(text: string, [min, max]: [number, number]): FieldMatcher {
  const allowed = new Set<number>();
  for (const part of text.split(',')) {
    const [rangeText, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let from = min;
    let to = max;
    if (rangeText !== '*' && rangeText !== '?') {
      const [a, b] = rangeText.split('-');
      from = Number(a);
      to = b === undefined ? (stepText === undefined ? from : max) : Number(b);
    }
    if (![from, to, step].every(Number.isInteger) || step < 1 || from < min || to > max) {
      throw new Error(`invalid cron field "${text}"`);
    }
    for (let v = from; v <= to; v += step) allowed.add(v);
  }
  return (value) => allowed.has(value);
}

export function parseCron(expression: string): (at: Date) => boolean {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 7) throw new Error(`timer cron needs 7 fields (second … year): "${expression}"`);
  const matchers = fields.map((field, i) => parseField(field, FIELD_RANGES[i] as [number, number]));
  return (at) => {
    // Cloud Development evaluates triggers in China time.
    const local = chinaWallClock(at);
    const parts = [
      local.getUTCSeconds(),
      local.getUTCMinutes(),
      local.getUTCHours(),
      local.getUTCDate(),
      local.getUTCMonth() + 1,
      local.getUTCDay(),
      local.getUTCFullYear(),
    ];
    return matchers.every((match, i) => match(parts[i] as number));
  };
}

export interface TimerHandle {
  stop(): void;
}

export function startTimers(cloud: LocalCloud, onError: (fn: string, trigger: string, error: unknown) => void): TimerHandle {
  const triggers = cloud.listFunctions().flatMap((fn) =>
    (cloud.functionConfig(fn).triggers ?? [])
      .filter((t) => t.type === 'timer')
      .map((t) => ({ fn, name: t.name, matches: parseCron(t.config), running: false })),
  );
  let lastSecond = Math.floor(cloud.clock.nowMs() / 1000);
  const tick = (): void => {
    const nowSecond = Math.floor(cloud.clock.nowMs() / 1000);
    for (let second = lastSecond + 1; second <= nowSecond; second += 1) {
      const at = new Date(second * 1000);
      for (const trigger of triggers) {
        // Like the platform, a trigger that is still running is not started twice.
        if (trigger.running || !trigger.matches(at)) continue;
        trigger.running = true;
        cloud
          .fireTimer(trigger.fn, trigger.name)
          .catch((error: unknown) => onError(trigger.fn, trigger.name, error))
          .finally(() => (trigger.running = false));
      }
    }
    lastSecond = nowSecond;
  };
  const interval = setInterval(tick, 1000);
  return { stop: () => clearInterval(interval) };
}
