import type { Schema, Infer } from './validate';

/**
 * Who may call an action. The server checks it; the mini program only hides what a user cannot do.
 * - public: any WeChat user (an OPENID is still required)
 * - student: a signed-in student session bound to the caller's OPENID
 * - staff: the caller's WeChat account is an active finance staff member (the mini program's staff
 *   pages: confirming a console sign-in); roles narrow it further
 * - console: a signed-in session of the finance console (the HTTP entry's `Authorization: Bearer`
 *   token) of an active staff member with one of the roles
 * - web: any browser through the HTTP entry, without a session (starting a console sign-in);
 *   requests per address and action are limited as the action says
 * - paycallback: only cloudPay's callback (SOURCE === 'wx_paycallback')
 * - timer: only a timer trigger (SOURCE === 'wx_trigger')
 * - internal: only the named functions of this environment, e.g. `access.internal('pay', 'paymentsSweep')`.
 *   The call must come from a function (SOURCE chain ends in 'scf') and carry a proof signed with
 *   the secret the functions share (INTERNAL_CALL_SECRET) that names the calling function, this
 *   function, the action and the request; the calling function must be on the list. SOURCE alone
 *   is not enough: every function of the environment, present or future, can produce it.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'student' }
  | { kind: 'staff'; roles: readonly StaffRole[] }
  | { kind: 'console'; roles: readonly StaffRole[] }
  | { kind: 'web'; limit: WebRateLimit }
  | { kind: 'paycallback' }
  | { kind: 'timer' }
  | { kind: 'internal'; callers: readonly FunctionId[] };

/**
 * 管理员: staff and settings; 收费员 (cashier): imports, bills, exports; 审核 (reviewer): approves
 * what another person requested; 只读 (viewer): views and exports. One role per person.
 */
export const STAFF_ROLES = ['admin', 'cashier', 'reviewer', 'viewer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Requests one address may make of a `web` action. */
export interface WebRateLimit {
  perMinute: number;
  perHour: number;
}

/** The deployable functions by name (their folders under cloudfunctions/; admin is the console's). */
export const FUNCTION_IDS = ['auth', 'bills', 'pay', 'payNotify', 'receipts', 'paymentsSweep', 'admin'] as const;
export type FunctionId = (typeof FUNCTION_IDS)[number];

export const access = {
  public: { kind: 'public' },
  student: { kind: 'student' },
  paycallback: { kind: 'paycallback' },
  timer: { kind: 'timer' },
  internal: (...callers: [FunctionId, ...FunctionId[]]): Extract<Access, { kind: 'internal' }> => ({ kind: 'internal', callers }),
  staff: (...roles: StaffRole[]): Extract<Access, { kind: 'staff' }> => ({ kind: 'staff', roles }),
  console: (...roles: [StaffRole, ...StaffRole[]]): Extract<Access, { kind: 'console' }> => ({ kind: 'console', roles }),
  web: (limit: WebRateLimit): Extract<Access, { kind: 'web' }> => ({ kind: 'web', limit }),
} as const satisfies Record<string, Access | ((...args: never) => Access)>;

export type AccessKind = Access['kind'];

export interface ActionSpec<Req, Res, K extends AccessKind = AccessKind> {
  readonly request: Schema<Req>;
  /** Its kind is kept in the type, so a handler receives the identity its access guarantees. */
  readonly access: Extract<Access, { kind: K }>;
  /**
   * A write by staff (or a sign-in): when it succeeds, the runtime appends who, role, when, what,
   * the changes the handler recorded (before → after) and the reason to the audit log.
   */
  readonly audited?: true;
  /** Phantom: the response type, for inference only. */
  readonly _response?: Res;
}

/** `action<Response>()({ request, access })`: request type inferred from its schema, response stated. */
export function action<Res>() {
  return <S extends Schema<unknown>, X extends Access>(spec: { request: S; access: X; audited?: true }): ActionSpec<Infer<S>, Res, X['kind']> =>
    spec as unknown as ActionSpec<Infer<S>, Res, X['kind']>;
}

export type Contract = Record<string, ActionSpec<any, any, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any

/* eslint-disable @typescript-eslint/no-explicit-any -- matching any access kind */
export type RequestOf<C extends Contract, A extends keyof C> = C[A] extends ActionSpec<infer Req, unknown, any> ? Req : never;
export type ResponseOf<C extends Contract, A extends keyof C> = C[A] extends ActionSpec<unknown, infer Res, any> ? Res : never;
/* eslint-enable @typescript-eslint/no-explicit-any */
export type AccessKindOf<C extends Contract, A extends keyof C> = C[A] extends ActionSpec<unknown, unknown, infer K> ? K : never;

/**
 * How the console's requests travel through the HTTP access service, which hands a function a text
 * body (JSON) of at most 100 KB and any other body, base64-encoded, of at most 6 MB. A request larger
 * than REQUEST_COMPRESS_FROM_BYTES is sent gzip-compressed as binary; the function reads both and
 * takes at most REQUEST_MAX_BYTES, received or unpacked.
 */
export const REQUEST_BODY_TYPES = { json: 'application/json', gzipJson: 'application/gzip' } as const;
export const TEXT_BODY_MAX_BYTES = 100 * 1024;
export const REQUEST_COMPRESS_FROM_BYTES = 64 * 1024;
export const REQUEST_MAX_BYTES = 4 * 1024 * 1024;
