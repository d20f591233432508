/**
 * Signing keys that rotate: a current key, named by a short id, and the keys a rotation retired,
 * still accepted for what they signed until they are removed. Three environment variables hold
 * them: the current secret, its id, and the previous keys as `id:secret` separated by commas
 * (e.g. `k1:old-secret-…`). A key dropped from the previous list verifies nothing any more.
 */

type Env = Readonly<Record<string, string | undefined>>;

/** A key id as configured: short, printable, no separators. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,16}$/;

export interface SigningKey {
  id: string;
  secret: string;
}

export interface KeyRing {
  /** The key new signatures are made with; null when its secret is not configured. */
  current: SigningKey | null;
  /** Every key a signature may have been made with, by id: the current one and the previous ones. */
  byId: ReadonlyMap<string, string>;
}

/** Where a key ring is configured. */
export interface KeyRingVariables {
  /** The current secret. */
  secret: string;
  /** The current secret's id (default `defaultKeyId`). */
  keyId: string;
  /** The retired keys, `id:secret,id:secret`. */
  previous: string;
}

export interface KeyRingRules {
  /** A secret shorter than this is treated as missing. */
  minSecretLength: number;
  defaultKeyId?: string;
}

export class KeyRingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingConfigError';
  }
}

const text = (env: Env, name: string): string => env[name]?.trim() ?? '';

export function readKeyRing(env: Env, names: KeyRingVariables, rules: KeyRingRules): KeyRing {
  const { minSecretLength, defaultKeyId = 'k1' } = rules;
  const byId = new Map<string, string>();
  const previous = text(env, names.previous);
  for (const entry of previous ? previous.split(',') : []) {
    const at = entry.indexOf(':');
    const id = entry.slice(0, Math.max(at, 0)).trim();
    const secret = entry.slice(at + 1).trim();
    if (at <= 0 || !KEY_ID_PATTERN.test(id) || secret.length < minSecretLength) {
      throw new KeyRingConfigError(`${names.previous}: each entry is id:secret (id 1–16 of A-Z a-z 0-9 _ -, secret ≥ ${minSecretLength} characters)`);
    }
    if (byId.has(id) && byId.get(id) !== secret) throw new KeyRingConfigError(`${names.previous}: key id ${id} is listed twice`);
    byId.set(id, secret);
  }
  const secret = text(env, names.secret);
  const id = text(env, names.keyId) || defaultKeyId;
  if (!KEY_ID_PATTERN.test(id)) throw new KeyRingConfigError(`${names.keyId} must be 1–16 of A-Z a-z 0-9 _ -`);
  if (secret.length < minSecretLength) return { current: null, byId };
  if (byId.has(id) && byId.get(id) !== secret) {
    throw new KeyRingConfigError(`${names.keyId} ${id} is also a previous key with another secret: give the new key a new id`);
  }
  byId.set(id, secret);
  return { current: { id, secret }, byId };
}
