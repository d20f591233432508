import { createHash } from 'node:crypto';
import { inspect } from 'node:util';

const HIDDEN = '[已隐藏]';

/**
 * A credential or a function variable's value on its way to the cloud. Printing it any way
 * (template string, JSON, console.log, an error message) shows only `[已隐藏]`; the adapter that
 * sends it calls `reveal()`. So a plan, a drift report or a crash can never show a secret.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  get length(): number {
    return this.#value.length;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return HIDDEN;
  }
}

/**
 * What a recorded environment keeps of a variable's value: enough to tell whether it changed or is
 * a published development default, not enough to print or reuse it.
 */
export function fingerprintOf(value: string): string {
  return `sha256:${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 16)}`;
}
