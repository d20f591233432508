import type { Schema, Infer } from './validate';

/**
 * Who may call an action. The server checks it; the mini program only hides what a user cannot do.
 * - public: any WeChat user (an OPENID is still required)
 * - student: a signed-in student session bound to the caller's OPENID
 * - staff: a finance staff member (roles narrow it further)
 * - paycallback: only cloudPay's callback (SOURCE === 'wx_paycallback')
 * - timer: only a timer trigger (SOURCE === 'wx_trigger')
 * - internal: only another function of this environment (SOURCE chain ends in 'scf'); clients
 *   cannot forge SOURCE, so this is how one function asks another to do a privileged step
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'student' }
  | { kind: 'staff'; roles: readonly StaffRole[] }
  | { kind: 'paycallback' }
  | { kind: 'timer' }
  | { kind: 'internal' };

export type StaffRole = 'finance' | 'auditor' | 'admin';

export const access = {
  public: { kind: 'public' },
  student: { kind: 'student' },
  paycallback: { kind: 'paycallback' },
  timer: { kind: 'timer' },
  internal: { kind: 'internal' },
  staff: (...roles: StaffRole[]): Access => ({ kind: 'staff', roles }),
} as const satisfies Record<string, Access | ((...r: StaffRole[]) => Access)>;

export interface ActionSpec<Req, Res> {
  readonly request: Schema<Req>;
  readonly access: Access;
  /** Phantom: the response type, for inference only. */
  readonly _response?: Res;
}

/** `action<Response>()({ request, access })`: request type inferred from its schema, response stated. */
export function action<Res>() {
  return <S extends Schema<unknown>>(spec: { request: S; access: Access }): ActionSpec<Infer<S>, Res> =>
    spec as ActionSpec<Infer<S>, Res>;
}

export type Contract = Record<string, ActionSpec<any, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any

export type RequestOf<C extends Contract, A extends keyof C> = C[A] extends ActionSpec<infer Req, unknown> ? Req : never;
export type ResponseOf<C extends Contract, A extends keyof C> = C[A] extends ActionSpec<unknown, infer Res> ? Res : never;
