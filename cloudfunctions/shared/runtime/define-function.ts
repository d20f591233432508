import { ERROR_MESSAGES, type ApiResult } from '../contracts';
import type { Access, Contract, RequestOf, ResponseOf } from '../contracts/define';
import { AppError } from './errors';
import { now } from './clock';
import { createLogger, type Logger } from './log';
import { readCaller, type Caller, type Database, type WxCloud } from './platform';
import { loadStaffMember, loadStudentSession, type StaffMember, type StudentSession } from './sessions';

export interface RequestContext {
  readonly functionName: string;
  readonly requestId: string;
  readonly caller: Caller;
  readonly cloud: WxCloud;
  readonly db: Database;
  readonly log: Logger;
  /** Set when the action's access is `student`. */
  readonly student: StudentSession | null;
  /** Set when the action's access is `staff`. */
  readonly staff: StaffMember | null;
  now(): Date;
}

export type Handler<Req, Res> = (request: Req, ctx: RequestContext) => Promise<Res>;
export type Handlers<C extends Contract> = { [A in keyof C]: Handler<RequestOf<C, A>, ResponseOf<C, A>> };

export interface RoutedEvent {
  action: string;
  payload: Record<string, unknown>;
}

export interface FunctionDefinition<C extends Contract> {
  name: string;
  contract: C;
  handlers: Handlers<C>;
  /** Turns an event that carries no `action` (a timer trigger) into one; null means not handled. */
  routeEvent?: (event: Record<string, unknown>) => RoutedEvent | null;
}

export type FunctionMain = (event: unknown, context?: unknown) => Promise<ApiResult<unknown>>;

/** Fields the platform adds to every client call; they are not part of any request. */
const PLATFORM_EVENT_FIELDS = new Set(['action', 'userInfo']);

function routeDefault(event: Record<string, unknown>): RoutedEvent | null {
  if (typeof event.action !== 'string') return null;
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) if (!PLATFORM_EVENT_FIELDS.has(key)) payload[key] = value;
  return { action: event.action, payload };
}

function failure(code: keyof typeof ERROR_MESSAGES, message?: string, details?: Record<string, unknown>): ApiResult<never> {
  return { ok: false, code, message: message ?? ERROR_MESSAGES[code], ...(details ? { details } : {}) };
}

let requestCounter = 0;
const newRequestId = (fn: string): string => `${fn}-${Date.now().toString(36)}-${(requestCounter += 1).toString(36)}`;

async function checkAccess(
  accessRule: Access,
  caller: Caller,
  event: Record<string, unknown>,
  db: Database,
  at: Date,
): Promise<{ student: StudentSession | null; staff: StaffMember | null } | AppError> {
  switch (accessRule.kind) {
    case 'paycallback':
      return caller.source === 'wx_paycallback' ? { student: null, staff: null } : new AppError('FORBIDDEN');
    case 'timer':
      return caller.source === 'wx_trigger' && event.Type === 'Timer' ? { student: null, staff: null } : new AppError('FORBIDDEN');
    case 'internal':
      return caller.source?.split(',').pop() === 'scf' ? { student: null, staff: null } : new AppError('FORBIDDEN');
    case 'public':
      return caller.openid ? { student: null, staff: null } : new AppError('UNAUTHENTICATED');
    case 'student': {
      if (!caller.openid) return new AppError('UNAUTHENTICATED');
      const student = await loadStudentSession(db, caller.openid, at);
      return student ? { student, staff: null } : new AppError('UNAUTHENTICATED', '登录已失效，请重新登录');
    }
    case 'staff': {
      if (!caller.openid) return new AppError('UNAUTHENTICATED');
      const staff = await loadStaffMember(db, caller.openid);
      if (!staff || !staff.roles.some((role) => accessRule.roles.includes(role))) return new AppError('FORBIDDEN');
      return { student: null, staff };
    }
  }
}

/**
 * Builds a function's `main`: reads the caller synchronously, routes `{ action, ...payload }` to a
 * typed handler after validating the payload against the contract and checking access, and maps
 * every outcome to `{ ok: true, data } | { ok: false, code, message }`. It never throws.
 */
export function defineFunction<C extends Contract>(cloud: WxCloud, definition: FunctionDefinition<C>): FunctionMain {
  const { name, contract, handlers } = definition;
  return async function main(event: unknown): Promise<ApiResult<unknown>> {
    const caller = readCaller(cloud);
    const requestId = newRequestId(name);
    const log = createLogger(name, requestId);
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      return failure('BAD_REQUEST', '请求格式不正确');
    }
    const record = event as Record<string, unknown>;
    const routed = definition.routeEvent?.(record) ?? routeDefault(record);
    if (!routed || !Object.prototype.hasOwnProperty.call(contract, routed.action)) {
      log.warn('unknown action', { action: routed?.action.slice(0, 64) ?? null });
      return failure('BAD_REQUEST', '不支持的操作');
    }
    const action = routed.action as keyof C & string;
    const spec = contract[action];
    try {
      const db = cloud.database();
      const at = now();
      const granted = await checkAccess(spec.access, caller, record, db, at);
      if (granted instanceof AppError) {
        log.warn('access refused', { action, errorCode: granted.code });
        return failure(granted.code, granted.message);
      }
      const parsed = spec.request.parse(routed.payload);
      if (!parsed.ok) {
        log.warn('bad request', { action, path: parsed.issue.path });
        return failure('BAD_REQUEST', `请求参数有误：${parsed.issue.message}`, { path: parsed.issue.path });
      }
      const ctx: RequestContext = {
        functionName: name,
        requestId,
        caller,
        cloud,
        db,
        log,
        student: granted.student,
        staff: granted.staff,
        now,
      };
      const data = await handlers[action](parsed.value as RequestOf<C, typeof action>, ctx);
      return { ok: true, data };
    } catch (error) {
      if (error instanceof AppError) {
        log.info('action refused', { action, errorCode: error.code });
        return failure(error.code, error.message, error.details);
      }
      log.error('action failed', { action, error });
      return failure('INTERNAL');
    }
  };
}

export function requireStudent(ctx: RequestContext): StudentSession {
  if (!ctx.student) throw new AppError('UNAUTHENTICATED');
  return ctx.student;
}

export function requireStaff(ctx: RequestContext): StaffMember {
  if (!ctx.staff) throw new AppError('FORBIDDEN');
  return ctx.staff;
}
