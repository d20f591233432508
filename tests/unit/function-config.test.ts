import { listFunctionNames, readFunctionConfig } from '../../local/functions';
import { parseCron } from '../../local/timers';

/**
 * config.json is read by the platform when a function is deployed; these are its documented
 * limits (定时触发器: one trigger per function, name rules, seven-field cron), checked here so a
 * deploy never fails on them.
 */
describe.each(listFunctionNames())('cloudfunctions/%s/config.json', (name) => {
  const config = readFunctionConfig(name);

  it('declares at most one timer trigger, with a valid name and cron', () => {
    const triggers = config.triggers ?? [];
    expect(triggers.length).toBeLessThanOrEqual(1);
    for (const trigger of triggers) {
      expect(trigger.type).toBe('timer');
      expect(trigger.name).toMatch(/^[A-Za-z][A-Za-z0-9_-]{0,59}$/);
      expect(() => parseCron(trigger.config)).not.toThrow();
    }
  });

  it('keeps timeout and memory within what Cloud Development allows', () => {
    if (config.timeout !== undefined) {
      expect(Number.isInteger(config.timeout)).toBe(true);
      expect(config.timeout).toBeGreaterThanOrEqual(1);
      expect(config.timeout).toBeLessThanOrEqual(60);
    }
    if (config.memorySize !== undefined) expect([128, 256, 512, 1024, 2048]).toContain(config.memorySize);
  });
});
