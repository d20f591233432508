import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { VariableName } from '../runtime/environment';

/**
 * Password hashing with scrypt (memory-hard). Default cost: OWASP's recommendation N=2^17, r=8,
 * p=1 (128 MiB, about 0.6 s on one core), which is why the auth function's config.json raises its
 * memory and timeout. The parameters are stored in each hash, so a hash made at another cost still
 * verifies, and `needsRehash` tells the caller to upgrade it after a successful sign-in.
 *
 * The cost can be lowered with PASSWORD_SCRYPT_LOG_N (10–20) for the test suite only.
 */

export interface ScryptParams {
  /** log2 of N (CPU/memory cost). */
  logN: number;
  r: number;
  p: number;
}

export const OWASP_SCRYPT: Readonly<ScryptParams> = { logN: 17, r: 8, p: 1 };
export const SCRYPT_COST_ENV = 'PASSWORD_SCRYPT_LOG_N' satisfies VariableName;

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const PREFIX = 'scrypt';

export function configuredScryptParams(env: NodeJS.ProcessEnv = process.env): ScryptParams {
  const raw = env[SCRYPT_COST_ENV];
  if (raw === undefined || raw === '') return { ...OWASP_SCRYPT };
  const logN = Number(raw);
  if (!Number.isInteger(logN) || logN < 10 || logN > 20) {
    throw new Error(`环境变量 ${SCRYPT_COST_ENV} 应为 10 到 20 之间的整数（当前：${raw}）`);
  }
  return { ...OWASP_SCRYPT, logN };
}

/** Enough memory for scrypt's 128·N·r bytes, with headroom (node's default maxmem is 32 MiB). */
const maxmemFor = ({ logN, r, p }: ScryptParams): number => 128 * r * (2 ** logN + p + 2) + 32 * 1024 * 1024;

let derivations = 0;

/**
 * How many scrypt derivations this process has run: what sign-in spends per attempt, counted
 * rather than timed (the tests prove that every refusal costs the same work; the bench times it).
 */
export const passwordDerivationCount = (): number => derivations;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  derivations += 1;
  const options: ScryptOptions = { N: 2 ** params.logN, r: params.r, p: params.p, maxmem: maxmemFor(params) };
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function encode(params: ScryptParams, salt: Buffer, key: Buffer): string {
  return `$${PREFIX}$ln=${params.logN},r=${params.r},p=${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface DecodedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function decode(stored: string): DecodedHash | null {
  const match = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!match) return null;
  const params = { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  if (params.logN < 10 || params.logN > 22 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return null;
  return { params, salt: Buffer.from(match[4] as string, 'base64'), key: Buffer.from(match[5] as string, 'base64') };
}

export async function hashPassword(password: string, params: ScryptParams = configuredScryptParams()): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  return encode(params, salt, await derive(password, salt, params));
}

export interface VerifyResult {
  ok: boolean;
  /** The hash was made at a lower cost than the current one: store a new hash of this password. */
  needsRehash: boolean;
}

export async function verifyPassword(
  password: string,
  stored: string,
  current: ScryptParams = configuredScryptParams(),
): Promise<VerifyResult> {
  const decoded = decode(stored);
  if (!decoded) return { ok: false, needsRehash: false };
  const key = await derive(password, decoded.salt, decoded.params);
  const ok = key.length === decoded.key.length && timingSafeEqual(key, decoded.key);
  const weaker =
    decoded.params.logN < current.logN || decoded.params.r < current.r || decoded.params.p < current.p;
  return { ok, needsRehash: ok && weaker };
}

const DUMMY_SALT = Buffer.alloc(SALT_LENGTH, 7);

/**
 * The same work as a verification, for an account that does not exist, so the response time does
 * not tell whether it does.
 */
export async function spendVerificationTime(password: string, params: ScryptParams = configuredScryptParams()): Promise<void> {
  await derive(password, DUMMY_SALT, params);
}
