/**
 * Holds the next database request that `matches` until `release`, so a test can stop one step of a
 * flow halfway (after its read, before its write) and let another request run meanwhile. `reached`
 * resolves when a request gets there; `undo` restores the database's transport.
 */
import { Db } from '@cloudbase/database';

export type DatabaseParams = Record<string, unknown>;
type RequestClass = new (config?: unknown) => { send(action: string, params?: DatabaseParams): Promise<unknown> };

export interface HeldRequest {
  reached: Promise<void>;
  release(): void;
  undo(): void;
}

export function holdNextDatabaseRequest(matches: (action: string, params: DatabaseParams) => boolean): HeldRequest {
  const descriptor = Object.getOwnPropertyDescriptor(Db, 'reqClass')!;
  const Local = (Db as unknown as { reqClass: RequestClass }).reqClass;
  const local = new Local();
  let arrive!: () => void;
  let go!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (go = resolve));
  let armed = true;
  class Holding {
    async send(action: string, params: DatabaseParams = {}): Promise<unknown> {
      if (armed && matches(action, params)) {
        armed = false;
        arrive();
        await released;
      }
      return local.send(action, params);
    }
  }
  Object.defineProperty(Db, 'reqClass', { configurable: true, get: () => Holding, set: () => undefined });
  return { reached, release: () => go(), undo: () => Object.defineProperty(Db, 'reqClass', descriptor) };
}
