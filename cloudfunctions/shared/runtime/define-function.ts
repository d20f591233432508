import { ERROR_MESSAGES, type ApiResult } from '../contracts';
import { writeAudit } from './audit';
import type { Access, AccessKind, AccessKindOf, Contract, FunctionId, RequestOf, ResponseOf } from '../kernel/contract';
import { echoed } from '../kernel/validate';
import { AppError } from './errors';
import { now } from './clock';
import { INTERNAL_CALL_FIELD, internalCallSecret, verifyInternalCall } from './internal-calls';
import { createLogger, type Logger } from './log';
import { readCaller, type Caller, type Database, type WxCloud } from './platform';
import { consumeRateLimit, type RateLimit } from './rate-limit';
import { loadStudentSession, type StudentJoin, type StudentSession } from './sessions';
import { loadConsoleSession, loadStaffMember, type StaffMember } from './staff-sessions';
import {
  httpResponse,
  isHttpEvent,
  MAX_HTTP_BODY_BYTES,
  readHttpCall,
  unknownActionResponse,
  type HttpCall,
  type HttpEvent,
  type HttpPolicy,
  type HttpResponse,
} from './http';

/** One change a staff action made, as the audit log shows it. */
export interface AuditedChange {
  /** What changed, e.g. `bill:<id>`, `staff:<openid>`. */
  target: string;
  before?: unknown;
  after?: unknown;
}

/** What an audited action made: the runtime writes it to the audit log once the action succeeds. */
export interface AuditTrail {
  record(change: AuditedChange): void;
  readonly changes: readonly AuditedChange[];
}

export interface RequestContext {
  readonly functionName: string;
  readonly requestId: string;
  readonly caller: Caller;
  readonly cloud: WxCloud;
  readonly db: Database;
  readonly log: Logger;
  /** Set when the action's access is `student`. */
  readonly student: StudentSession | null;
  /** Set when the action's access is `staff` or `console`. */
  readonly staff: StaffMember | null;
  /** Set when the request came through the HTTP entry. */
  readonly http: HttpCall | null;
  readonly audit: AuditTrail;
  now(): Date;
}

/** What an action with `access: student` receives: the caller's session, checked before the handler runs. */
export interface StudentContext extends RequestContext {
  readonly student: StudentSession;
}

/** What an action with `access: staff(...)` receives: the staff member, roles checked before the handler runs. */
export interface StaffContext extends RequestContext {
  readonly staff: StaffMember;
}

/** What an action with `access: console(...)` receives: the staff member of the session, and the request's HTTP facts. */
export interface ConsoleContext extends StaffContext {
  readonly http: HttpCall;
}

/** What an action with `access: web` receives: the request's HTTP facts. */
export interface WebContext extends RequestContext {
  readonly http: HttpCall;
}

/** The context a handler receives for its action's access kind. */
export type ContextFor<K extends AccessKind> = K extends 'student'
  ? StudentContext
  : K extends 'staff'
    ? StaffContext
    : K extends 'console'
      ? ConsoleContext
      : K extends 'web'
        ? WebContext
        : RequestContext;

export type Handler<Req, Res, K extends AccessKind = AccessKind> = (request: Req, ctx: ContextFor<K>) => Promise<Res>;
export type Handlers<C extends Contract> = { [A in keyof C]: Handler<RequestOf<C, A>, ResponseOf<C, A>, AccessKindOf<C, A>> };

export interface RoutedEvent {
  action: string;
  payload: Record<string, unknown>;
}

export interface FunctionDefinition<C extends Contract> {
  /** The function's own name: what its logs say, and what callers of its internal actions sign for. */
  name: FunctionId;
  contract: C;
  handlers: Handlers<C>;
  /** Turns an event that carries no `action` (a timer trigger) into one; null means not handled. */
  routeEvent?: (event: Record<string, unknown>) => RoutedEvent | null;
  /** Accepts the HTTP access service's requests under this policy (read at each request). */
  http?: () => Omit<HttpPolicy, 'maxBodyBytes'>;
  /**
   * What an action with `access: student` reads together with the session, decided by its request:
   * the handler finds it in `ctx.student.joined`, one request fewer at the busiest moments.
   */
  studentJoins?: StudentJoins<C>;
}

export type StudentJoins<C extends Contract> = { [A in keyof C]?: (request: RequestOf<C, A>) => readonly StudentJoin[] };

export type FunctionMain = (event: unknown, context?: unknown) => Promise<ApiResult<unknown> | HttpResponse>;


/**
 * Fields of the event that are not part of any request: the action, what the platform adds to
 * every client call (userInfo), and the proof a calling function signs (internal actions).
 */
const ENVELOPE_FIELDS = new Set(['action', 'userInfo', INTERNAL_CALL_FIELD]);

/**
 * Routes the function's timer triggers (config.json), which arrive as `{ Type: 'Timer', TriggerName,
 * Time }`, to the action named for each trigger; any other event is not a timer's.
 */
export function timerRoutes(actionOfTrigger: Readonly<Record<string, string>>): (event: Record<string, unknown>) => RoutedEvent | null {
  return (event) => {
    if (event.Type !== 'Timer' || typeof event.TriggerName !== 'string' || !Object.hasOwn(actionOfTrigger, event.TriggerName)) return null;
    const payload = { Type: 'Timer', TriggerName: event.TriggerName, ...(typeof event.Time === 'string' ? { Time: event.Time } : {}) };
    return { action: actionOfTrigger[event.TriggerName]!, payload };
  };
}

function routeDefault(event: Record<string, unknown>): RoutedEvent | null {
  if (typeof event.action !== 'string') return null;
  // No prototype: a `__proto__` key stays an ordinary key (which the validator refuses) instead of
  // becoming the payload's prototype, through which a missing field would be read.
  const payload = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(event)) if (!ENVELOPE_FIELDS.has(key)) payload[key] = value;
  return { action: event.action, payload };
}

type Granted = { student: StudentSession | null; staff: StaffMember | null };
const NOBODY: Granted = { student: null, staff: null };

function failure(code: keyof typeof ERROR_MESSAGES, message?: string, details?: Record<string, unknown>): ApiResult<never> {
  return { ok: false, code, message: message ?? ERROR_MESSAGES[code], ...(details ? { details } : {}) };
}

let requestCounter = 0;
const newRequestId = (fn: string): string => `${fn}-${Date.now().toString(36)}-${(requestCounter += 1).toString(36)}`;

interface AccessCheck {
  functionName: FunctionId;
  action: string;
  caller: Caller;
  event: Record<string, unknown>;
  payload: Record<string, unknown>;
  http: HttpCall | null;
  db: Database;
  log: Logger;
  at: Date;
  /** Read with a student's session (FunctionDefinition.studentJoins). */
  joins: readonly StudentJoin[];
}

/**
 * An internal action: a call from a function (SOURCE ends in 'scf') that proves, with the shared
 * secret, that it is one of the functions the contract lists for this action.
 */
function checkInternalCall(callers: readonly FunctionId[], check: AccessCheck): AppError | null {
  if (check.caller.source?.split(',').pop() !== 'scf') return new AppError('FORBIDDEN');
  let secret: string;
  try {
    secret = internalCallSecret();
  } catch (error) {
    check.log.error('internal call refused: the shared secret is not configured', { action: check.action, error });
    return new AppError('FORBIDDEN');
  }
  const verdict = verifyInternalCall({
    proof: check.event[INTERNAL_CALL_FIELD],
    callee: check.functionName,
    action: check.action,
    request: check.payload,
    allowedCallers: callers,
    at: check.at,
    secret,
  });
  if (verdict.ok) return null;
  check.log.warn('internal call refused', { action: check.action, reason: verdict.reason });
  return new AppError('FORBIDDEN');
}

async function checkAccess(accessRule: Access, check: AccessCheck): Promise<Granted | AppError> {
  const { caller, event, db, at, http } = check;
  // The HTTP entry carries no WeChat identity: only the console's own kinds are reachable through it.
  if ((http !== null) !== (accessRule.kind === 'console' || accessRule.kind === 'web')) return new AppError('FORBIDDEN');
  switch (accessRule.kind) {
    case 'paycallback':
      return caller.source === 'wx_paycallback' ? NOBODY : new AppError('FORBIDDEN');
    case 'timer':
      return caller.source === 'wx_trigger' && event.Type === 'Timer' ? NOBODY : new AppError('FORBIDDEN');
    case 'internal':
      return checkInternalCall(accessRule.callers, check) ?? NOBODY;
    case 'public':
      return caller.openid ? NOBODY : new AppError('UNAUTHENTICATED');
    case 'student': {
      if (!caller.openid) return new AppError('UNAUTHENTICATED');
      const student = await loadStudentSession(db, caller.openid, at, check.joins);
      return student ? { student, staff: null } : new AppError('UNAUTHENTICATED', '登录已失效，请重新登录');
    }
    case 'staff': {
      if (!caller.openid) return new AppError('UNAUTHENTICATED');
      const staff = await loadStaffMember(db, caller.openid);
      if (!staff || !accessRule.roles.includes(staff.role)) return new AppError('FORBIDDEN', '此微信号不是在职的财务人员');
      return { student: null, staff };
    }
    case 'console': {
      const staff = http?.token ? await loadConsoleSession(db, http.token, at) : null;
      if (!staff) return new AppError('UNAUTHENTICATED', '登录已失效，请重新扫码登录');
      if (!accessRule.roles.includes(staff.role)) return new AppError('FORBIDDEN', '你的角色不能进行此操作');
      return { student: null, staff };
    }
    case 'web': {
      const limit: RateLimit = { short: { max: accessRule.limit.perMinute, windowMs: 60_000 }, long: { max: accessRule.limit.perHour, windowMs: 3600_000 } };
      const decision = await consumeRateLimit(db, `web:${check.action}:${http!.address}`, limit, at);
      return decision.allowed ? NOBODY : new AppError('RATE_LIMITED');
    }
  }
}

function newAuditTrail(): AuditTrail {
  const changes: AuditedChange[] = [];
  return { changes, record: (change) => void changes.push(change) };
}

/** The audit entry of a successful audited action: who (and as what), what, before → after, why. */
async function auditAction(ctx: RequestContext, action: string, payload: Record<string, unknown>): Promise<void> {
  const staff = ctx.staff;
  await writeAudit(ctx.db, {
    at: ctx.now(),
    actor: staff ? `staff:${staff.id}` : ctx.caller.openid ? `openid:${ctx.caller.openid}` : `web:${ctx.http?.address ?? 'unknown'}`,
    action: `${ctx.functionName}.${action}`,
    details: {
      ...(staff ? { staffName: staff.name, role: staff.role } : {}),
      ...(typeof payload.reason === 'string' ? { reason: payload.reason } : {}),
      changes: ctx.audit.changes,
    },
  });
}

/**
 * Builds a function's `main`: reads the caller synchronously, routes `{ action, ...payload }` (or an
 * HTTP request, for a function with an `http` policy) to a typed handler after validating the
 * payload against the contract and checking access, and maps every outcome to
 * `{ ok: true, data } | { ok: false, code, message }` (as the HTTP answer's body for HTTP). It never throws.
 */
export function defineFunction<C extends Contract>(cloud: WxCloud, definition: FunctionDefinition<C>): FunctionMain {
  const { name, contract, handlers } = definition;

  async function run(action: keyof C & string, payload: Record<string, unknown>, caller: Caller, event: Record<string, unknown>, http: HttpCall | null, log: Logger, requestId: string): Promise<ApiResult<unknown>> {
    const spec = contract[action];
    try {
      const db = cloud.database();
      const at = now();
      // An action that reads with the session needs its request first; a bad one is still refused
      // for want of access before it is refused as bad, as every other action's is.
      const joinsFor = spec.access.kind === 'student' ? definition.studentJoins?.[action] : undefined;
      const early = joinsFor ? spec.request.parse(payload) : null;
      const joins = joinsFor && early?.ok ? joinsFor(early.value as RequestOf<C, typeof action>) : [];
      const granted = await checkAccess(spec.access, { functionName: name, action, caller, event, payload, http, db, log, at, joins });
      if (granted instanceof AppError) {
        log.warn('access refused', { action, errorCode: granted.code });
        return failure(granted.code, granted.message);
      }
      const parsed = early ?? spec.request.parse(payload);
      if (!parsed.ok) {
        // The path names a key the client chose: never echoed longer than MAX_ECHOED_LENGTH.
        const path = echoed(parsed.issue.path);
        log.warn('bad request', { action, path });
        return failure('BAD_REQUEST', `请求参数有误：${parsed.issue.message}`, { path });
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
        http,
        audit: newAuditTrail(),
        now,
      };
      // checkAccess granted what the action's access kind promises (a student session, a staff member).
      const data = await handlers[action](parsed.value as RequestOf<C, typeof action>, ctx as never);
      if (spec.audited) await auditAction(ctx, action, parsed.value as Record<string, unknown>);
      return { ok: true, data };
    } catch (error) {
      if (error instanceof AppError) {
        log.info('action refused', { action, errorCode: error.code });
        return failure(error.code, error.message, error.details);
      }
      log.error('action failed', { action, error });
      return failure('INTERNAL');
    }
  }

  const has = (action: string): action is keyof C & string => Object.prototype.hasOwnProperty.call(contract, action);

  return async function main(event: unknown): Promise<ApiResult<unknown> | HttpResponse> {
    const caller = readCaller(cloud);
    const requestId = newRequestId(name);
    const log = createLogger(name, requestId);
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      return failure('BAD_REQUEST', '请求格式不正确');
    }
    const record = event as Record<string, unknown>;
    if (definition.http && isHttpEvent(record)) {
      const reading = readHttpCall(record as unknown as HttpEvent, { ...definition.http(), maxBodyBytes: MAX_HTTP_BODY_BYTES });
      if ('response' in reading) {
        log.warn('http request refused', { status: reading.response.statusCode });
        return reading.response;
      }
      const { call } = reading;
      if (!has(call.action)) {
        log.warn('unknown action', { action: call.action });
        return unknownActionResponse(call);
      }
      return httpResponse(await run(call.action, call.payload, caller, record, call, log, requestId), call);
    }
    const routed = definition.routeEvent?.(record) ?? routeDefault(record);
    if (!routed || !has(routed.action)) {
      log.warn('unknown action', { action: routed?.action.slice(0, 64) ?? null });
      return failure('BAD_REQUEST', '不支持的操作');
    }
    return run(routed.action, routed.payload, caller, record, null, log, requestId);
  };
}
