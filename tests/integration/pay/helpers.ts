import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { BillsOverview, OrderView } from '../../../cloudfunctions/shared/billing/contract';
import type { CancelOutcome, PayStart } from '../../../cloudfunctions/shared/billing/contract';
import type { SweepReport } from '../../../cloudfunctions/shared/billing/contract';
import { Db } from '@cloudbase/database';
import cloudSdk from 'wx-server-sdk';
import { paymentContext, type PaymentContext } from '../../../cloudfunctions/shared/billing';
import { createLogger, type WxCloud } from '../../../cloudfunctions/shared/runtime';
import { cloudPaySandboxOf, REFUND_PROCESSING_MS, type CloudPaySandbox } from '../../../local/wechat-pay';
import { startTestCloud, type TestCloud } from '../../support/local-cloud';
import { holdNextDatabaseRequest, type HeldRequest } from '../../support/hold-database-request';
import { addBills, createSignedInStudent, type TestStudent } from '../../support/billing-fixtures';
import type { BillDoc } from '../../../cloudfunctions/shared/billing/domain/records';

export interface PayWorld {
  tc: TestCloud;
  sandbox: CloudPaySandbox;
  call<T>(fn: string, event: Record<string, unknown>, openid?: string): Promise<ApiResult<T>>;
  /** A signed-in student with `bills` unpaid bills. */
  student(bills?: number): Promise<{ student: TestStudent; bills: BillDoc[] }>;
  create(student: TestStudent, billIds: string[], extra?: Record<string, unknown>, openid?: string): Promise<ApiResult<PayStart>>;
  overview(student: TestStudent, openid?: string): Promise<BillsOverview>;
  sync(student: TestStudent, orderId: string, afterPayment?: boolean): Promise<OrderView>;
  cancel(student: TestStudent, orderId: string): Promise<ApiResult<CancelOutcome>>;
  sweep(): Promise<SweepReport>;
  /** Time passes until WeChat settles the refunds submitted so far; their result callbacks are delivered. */
  settleRefunds(): Promise<void>;
  stop(): Promise<void>;
}

/** Fires one of paymentsSweep's timer triggers as the platform does (SOURCE wx_trigger, no OPENID). */
export function fireTimer(tc: TestCloud, trigger: 'sweep' | 'reconcile'): Promise<unknown> {
  return tc.cloud.fireTimer('paymentsSweep', trigger);
}

export function ok<T>(result: ApiResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.message}`);
  return result.data;
}

/**
 * One pay world per test file: started before the first test, stopped after the last, and the
 * sandbox's fault controls reset after each test so one test's faults never leak into the next.
 */
export function usePayWorld(receive: (world: PayWorld) => void, startAt?: Date): void {
  let world: PayWorld | undefined;
  beforeAll(async () => {
    world = await startPayWorld(startAt);
    receive(world);
  });
  afterAll(async () => {
    await world?.stop();
  });
  afterEach(() => {
    world?.sandbox.resetControls();
  });
}

export async function startPayWorld(startAt = new Date('2026-11-28T02:00:00Z')): Promise<PayWorld> {
  const tc = await startTestCloud({ startAt });
  const sandbox = cloudPaySandboxOf(tc.cloud);
  const world: PayWorld = {
    tc,
    sandbox,
    call: <T>(fn: string, event: Record<string, unknown>, openid?: string) => tc.call<ApiResult<T>>(fn, event, openid ? { openid } : {}),
    async student(count = 2) {
      const student = await createSignedInStudent(tc.cloud);
      const bills = await addBills(tc.cloud, student, count);
      return { student, bills };
    },
    create: (student, billIds, extra = {}, openid) =>
      world.call<PayStart>('pay', { action: 'create', billIds, email: 'student@example.com', ...extra }, openid ?? student.openid),
    overview: async (student, openid) => ok(await world.call<BillsOverview>('bills', { action: 'overview' }, openid ?? student.openid)),
    sync: async (student, orderId, afterPayment) =>
      ok(await world.call<{ order: OrderView }>('pay', { action: 'sync', orderId, ...(afterPayment ? { afterPayment } : {}) }, student.openid)).order,
    cancel: (student, orderId) => world.call<CancelOutcome>('pay', { action: 'cancel', orderId }, student.openid),
    sweep: async () => ok((await fireTimer(tc, 'sweep')) as ApiResult<SweepReport>),
    async settleRefunds() {
      tc.cloud.clock.advance(REFUND_PROCESSING_MS + 1000);
      await sandbox.tick();
      await sandbox.settle();
    },
    stop: () => tc.stop(),
  };
  return world;
}

type Params = Record<string, unknown>;
type RequestClass = new (config?: unknown) => { send(action: string, params?: Params): Promise<unknown> };

/**
 * Makes the local database update the documents of a multi-document write one at a time, letting
 * other requests run in between — as the cloud database does (each document is updated atomically,
 * the set of them is not). Returns the undo.
 */
export function perDocumentWrites(collections: readonly string[]): () => void {
  const descriptor = Object.getOwnPropertyDescriptor(Db, 'reqClass')!;
  const Local = (Db as unknown as { reqClass: RequestClass }).reqClass;
  const local = new Local();
  const yieldNow = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));
  class PerDocument {
    async send(action: string, params: Params = {}): Promise<unknown> {
      const multi = params.multi !== false && params.queryType !== 'DOC' && params.transactionId === undefined;
      if (action !== 'database.modifyDocument' || !multi || !collections.includes(String(params.collectionName))) return local.send(action, params);
      const query = JSON.parse(String(params.query)) as Params;
      const found = (await local.send('database.getDocument', {
        collectionName: params.collectionName,
        query: params.query,
        projection: JSON.stringify({ _id: true }),
        limit: 1000,
        queryType: 'WHERE',
      })) as { data: { list: string[] } };
      let updated = 0;
      for (const text of found.data.list) {
        await yieldNow();
        const id = (JSON.parse(text) as { _id: string })._id;
        const one = (await local.send(action, { ...params, multi: false, query: JSON.stringify({ ...query, _id: id }) })) as { data: { updated: number } };
        updated += one.data.updated;
      }
      return { data: { updated }, requestId: 'per-document' };
    }
  }
  Object.defineProperty(Db, 'reqClass', { configurable: true, get: () => PerDocument, set: () => undefined });
  return () => Object.defineProperty(Db, 'reqClass', descriptor);
}

/** Whether a bills query is about this student: named at its top level, or in each of its `$or` branches (one per bill). */
function concernsStudent(query: Params, studentId: string): boolean {
  if (query.studentId === studentId) return true;
  const branches = query.$or;
  return Array.isArray(branches) && branches.length > 0 && branches.every((branch: Params) => concernsStudent(branch, studentId));
}

/**
 * Holds the next write that takes this student's bills into an order (a tap stopped halfway, after
 * its order exists and before its bills are taken) until `release`. `reached` resolves when a tap
 * gets there; `undo` restores the database's transport.
 */
export function holdBillTake(studentId: string): HeldRequest {
  return holdNextDatabaseRequest(
    (action, params) =>
      action === 'database.modifyDocument' &&
      params.collectionName === 'bills' &&
      String(params.data).includes('"PAYING"') &&
      concernsStudent(JSON.parse(String(params.query)) as Params, studentId),
  );
}

/** What the finance console's function holds when it refunds (on this world's local cloud). */
export function financeContext(w: PayWorld, logName: string): PaymentContext {
  return paymentContext({
    db: w.tc.cloud.sdkDatabase(),
    cloud: cloudSdk as unknown as WxCloud,
    log: createLogger('admin', logName),
    env: w.tc.cloud.env,
    now: () => w.tc.cloud.clock.now(),
  });
}
