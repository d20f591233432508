/**
 * Calls between functions (`access.internal`). On WeChat Cloud the callee's getWXContext() says
 * only that some function called (SOURCE '…,scf'), not which one, and every function of the
 * environment can make such a call. So the caller proves who it is: it signs its own name, the
 * callee's, the action, the time and a digest of the request (HMAC-SHA256) with a secret held only
 * by the functions that call each other (INTERNAL_CALL_SECRET), and the callee checks the
 * signature, that it is recent, and that its contract lists the caller for that action.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ActionName, ApiRequest, ApiResponse, ApiResult, FunctionName } from '../contracts';
import type { VariableName } from './environment';
import { readSecret } from './secrets';
import type { Logger } from './log';
import type { WxCloud } from './platform';

/** The secret the calling and the called functions share; the same value in each of them. */
export const INTERNAL_CALL_SECRET_ENV = 'INTERNAL_CALL_SECRET' satisfies VariableName;

/** The event field that carries the proof; the runtime takes it off before the request is validated. */
export const INTERNAL_CALL_FIELD = 'internalCall';

/** A proof is accepted this long after it was made (a cold start of the callee takes seconds)… */
export const INTERNAL_CALL_MAX_AGE_MS = 60_000;
/** …and this far ahead of the callee's clock (instances' clocks differ a little). */
export const INTERNAL_CALL_MAX_AHEAD_MS = 5_000;

const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;

/** The shared secret, read at each call (the console's environment variables); throws, naming it, when missing or weak. */
export const internalCallSecret = (env: NodeJS.ProcessEnv = process.env): string => readSecret(INTERNAL_CALL_SECRET_ENV, env);

/** What the event carries besides the request. */
export interface InternalCallProof {
  /** The calling function's name. */
  caller: string;
  /** When it was signed, ms since the epoch. */
  issuedAt: number;
  /** HMAC-SHA256, hex. */
  signature: string;
}

/** JSON with sorted keys: the same request gives the same text whichever order its keys travel in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The request as the callee receives it (JSON: dates as text, no undefined), digested. */
const requestDigest = (request: unknown): string =>
  createHash('sha256')
    .update(canonicalJson(JSON.parse(JSON.stringify(request ?? {})) as unknown))
    .digest('hex');

interface SignedFields {
  caller: string;
  callee: string;
  action: string;
  issuedAt: number;
  request: unknown;
}

const signatureOf = (secret: string, fields: SignedFields): string =>
  createHmac('sha256', secret)
    .update(['ZHJF-INTERNAL-1', fields.caller, fields.callee, fields.action, String(fields.issuedAt), requestDigest(fields.request)].join('\n'))
    .digest('hex');

export function signInternalCall(input: { caller: string; callee: string; action: string; request: unknown; at: Date; secret: string }): InternalCallProof {
  const issuedAt = input.at.getTime();
  return { caller: input.caller, issuedAt, signature: signatureOf(input.secret, { ...input, issuedAt }) };
}

export type InternalCallVerdict = { ok: true; caller: string } | { ok: false; reason: string };

/** The callee's check. `reason` is for the log only: the caller is told FORBIDDEN, nothing more. */
export function verifyInternalCall(input: {
  proof: unknown;
  callee: string;
  action: string;
  request: unknown;
  allowedCallers: readonly string[];
  at: Date;
  secret: string;
}): InternalCallVerdict {
  const proof = input.proof as Partial<Record<keyof InternalCallProof, unknown>> | null | undefined;
  if (typeof proof !== 'object' || proof === null) return { ok: false, reason: 'no proof of the calling function' };
  const { caller, issuedAt, signature } = proof;
  if (typeof caller !== 'string' || typeof issuedAt !== 'number' || !Number.isSafeInteger(issuedAt) || typeof signature !== 'string' || !SIGNATURE_PATTERN.test(signature)) {
    return { ok: false, reason: 'malformed proof' };
  }
  const expected = Buffer.from(signatureOf(input.secret, { caller, callee: input.callee, action: input.action, issuedAt, request: input.request }), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return { ok: false, reason: 'bad signature' };
  const age = input.at.getTime() - issuedAt;
  if (age > INTERNAL_CALL_MAX_AGE_MS || age < -INTERNAL_CALL_MAX_AHEAD_MS) return { ok: false, reason: 'proof out of its time window' };
  if (!input.allowedCallers.includes(caller)) return { ok: false, reason: `caller ${caller} is not allowed this action` };
  return { ok: true, caller };
}

/**
 * The event that runs `callee`'s `action` with `request` as `caller`: the request, the action and
 * the proof. What callInternal sends; also how the local cloud's tools and the tests call an
 * internal action as a given function.
 */
export function internalCallEvent(input: {
  caller: string;
  callee: string;
  action: string;
  request: Record<string, unknown>;
  at: Date;
  secret?: string;
}): Record<string, unknown> {
  const { caller, callee, action, request, at, secret = internalCallSecret() } = input;
  return { action, ...request, [INTERNAL_CALL_FIELD]: signInternalCall({ caller, callee, action, request, at, secret }) };
}

/**
 * What a calling function has at hand: its SDK, its clock, and its logger, which every entry makes
 * first thing with the function's own name (defineFunction, payNotify) — that name is the caller.
 */
export interface InternalCallerContext {
  readonly cloud: WxCloud;
  readonly log: Logger;
  now(): Date;
}

/**
 * Asks another function of this environment to run one of its `access.internal` actions (functions
 * never import each other), typed from its contract. Throws when INTERNAL_CALL_SECRET is missing.
 */
export async function callInternal<F extends FunctionName, A extends ActionName<F>>(
  from: InternalCallerContext,
  callee: F,
  action: A,
  request: ApiRequest<F, A>,
): Promise<ApiResult<ApiResponse<F, A>>> {
  const data = internalCallEvent({ caller: from.log.functionName, callee, action, request: request as Record<string, unknown>, at: from.now() });
  const response = (await from.cloud.callFunction({ name: callee, data })) as { result?: unknown } | undefined;
  return response?.result as ApiResult<ApiResponse<F, A>>;
}
