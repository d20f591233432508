/**
 * The finance console's view of the local cloud: the whole server (as `npm start` runs it), the
 * admin function reached only through its HTTP entry at /admin/api, and the demo staff. A staff
 * member's phone (the mini program's staff pages) calls the function as a WeChat user.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiResult, StaffRole } from '../../../cloudfunctions/shared/contracts';
import { DEMO_STAFF, seedDemoStaff } from '../../../local/seed/staff';
import { startLocalCloud, type RunningLocalCloud } from '../../../local/start';
import { gzipSync } from 'node:zlib';
import { REQUEST_BODY_TYPES, REQUEST_COMPRESS_FROM_BYTES } from '../../../cloudfunctions/shared/kernel/contract';
import { httpRequest, postJson, type HttpReply } from '../../support/http';
import { addBills, createSignedInStudent, type TestStudent } from '../../support/billing-fixtures';
import { cloudPaySandboxOf, REFUND_PROCESSING_MS } from '../../../local/wechat-pay';
import type { PayStart, ReconcileReport, SweepReport } from '../../../cloudfunctions/shared/billing/contract';
import type { BillDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { FEE_SEASON_NOW } from '../../support/fee-season';

export interface ConsoleCloud {
  running: RunningLocalCloud;
  /** The console's origin (the server itself, as npm start serves the console). */
  origin: string;
  logs: string[];
  /** `POST /admin/api/<action>` as the console's browser sends it. */
  api<T = unknown>(action: string, body?: Record<string, unknown>, options?: { token?: string; origin?: string; forwardedFor?: string }): Promise<{ reply: HttpReply; result: ApiResult<T> }>;
  /** The admin function called from a staff member's phone (the mini program). */
  fromPhone<T = unknown>(openid: string, action: string, payload?: Record<string, unknown>): Promise<ApiResult<T>>;
  /** Scan sign-in, start to token, as the demo member of this role. */
  signInAs(role: StaffRole): Promise<string>;
  openidOf(role: StaffRole): string;
  stop(): Promise<void>;
}

export async function startConsoleCloud(options: { seedStaff?: boolean; startAt?: Date } = {}): Promise<ConsoleCloud> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-console-'));
  const logs: string[] = [];
  const running = await startLocalCloud({ dataDir, port: 0, testRoutes: true, logSink: (line) => logs.push(line), startAt: options.startAt ?? FEE_SEASON_NOW });
  if (options.seedStaff !== false) await seedDemoStaff(running.cloud.sdkDatabase(), running.cloud.clock.now());
  const origin = running.url;

  const cloud: ConsoleCloud = {
    running,
    origin,
    logs,
    async api<T>(action: string, body: Record<string, unknown> = {}, options: { token?: string; origin?: string; forwardedFor?: string } = {}) {
      const headers: Record<string, string> = { origin: options.origin ?? origin, 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.forwardedFor) headers['x-forwarded-for'] = options.forwardedFor;
      // As the console sends it: a request larger than the access service passes as text goes compressed.
      const json = JSON.stringify(body);
      const large = Buffer.byteLength(json) > REQUEST_COMPRESS_FROM_BYTES;
      if (large) headers['content-type'] = REQUEST_BODY_TYPES.gzipJson;
      const reply = await httpRequest('POST', `${origin}/admin/api/${action}`, large ? gzipSync(json) : json, headers);
      return { reply, result: reply.json as ApiResult<T> };
    },
    async fromPhone<T>(openid: string, action: string, payload: Record<string, unknown> = {}) {
      return (await running.cloud.invoke('admin', { action, ...payload }, { openid, source: 'wx_client' })) as ApiResult<T>;
    },
    openidOf(role: StaffRole) {
      return DEMO_STAFF.find((member) => member.role === role)!.openid;
    },
    async signInAs(role: StaffRole) {
      const start = await cloud.api<{ ticket: string; pollKey: string }>('startSignIn');
      if (!start.result.ok) throw new Error(`startSignIn: ${start.result.message}`);
      const { ticket, pollKey } = start.result.data;
      const scanned = await postJson(`${origin}/sandbox/console-scan`, { ticket, role });
      if (!(scanned.json as { ok?: boolean }).ok) throw new Error(`scan: ${JSON.stringify(scanned.json)}`);
      const poll = await cloud.api<{ token?: string }>('pollSignIn', { ticket, pollKey });
      if (!poll.result.ok || !poll.result.data.token) throw new Error(`poll: ${JSON.stringify(poll.result)}`);
      return poll.result.data.token;
    },
    async stop() {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return cloud;
}

export function expectRefused(answer: { reply: HttpReply; result: ApiResult<unknown> }, status: number, code: string): void {
  expect({ status: answer.reply.status, code: answer.result.ok ? 'ok' : answer.result.code }).toEqual({ status, code });
}

export interface OrderIn {
  student: TestStudent;
  bills: BillDoc[];
  orderId: string;
  total: number;
}

/** A student's open order (立即支付 tapped, the pay sheet not yet used) of `billCount` bills, in the console's cloud. */
export async function openOrderIn(c: ConsoleCloud, billCount = 3, options: { subscribed?: boolean } = {}): Promise<OrderIn> {
  const cloud = c.running.cloud;
  const student = await createSignedInStudent(cloud);
  const bills = await addBills(cloud, student, billCount);
  const created = (await cloud.invoke(
    'pay',
    { action: 'create', billIds: bills.map((bill) => bill._id), email: 'student@example.com', ...(options.subscribed ? { subscribed: true } : {}) },
    { openid: student.openid },
  )) as ApiResult<PayStart>;
  if (!created.ok) throw new Error(`pay.create: ${created.message}`);
  return { student, bills, orderId: created.data.order.id, total: created.data.order.total };
}

/** A student who paid `billCount` bills (学费 3,200.00, 住宿费 1,200.00, 教材费 450.50…) in one order, in the console's cloud. */
export async function paidOrderIn(c: ConsoleCloud, billCount = 3, options: { subscribed?: boolean } = {}): Promise<OrderIn> {
  const order = await openOrderIn(c, billCount, options);
  const sandbox = cloudPaySandboxOf(c.running.cloud);
  await sandbox.pay(order.orderId, { openid: order.student.openid });
  await sandbox.settle();
  return order;
}

/** The payments timer's hourly reconciliation (and its pass over what was set aside without a case). */
export async function reconcileTimer(c: ConsoleCloud): Promise<ReconcileReport> {
  const result = (await c.running.cloud.fireTimer('paymentsSweep', 'reconcile')) as ApiResult<ReconcileReport>;
  if (!result.ok) throw new Error(`reconcile: ${result.message}`);
  return result.data;
}

/** The payments timer's minute run, as the platform fires it. */
export async function sweepPayments(c: ConsoleCloud): Promise<SweepReport> {
  const result = (await c.running.cloud.fireTimer('paymentsSweep', 'sweep')) as ApiResult<SweepReport>;
  if (!result.ok) throw new Error(`sweep: ${result.message}`);
  return result.data;
}

/** Time passes until WeChat settles the refunds submitted so far; their results are delivered (unless held). */
export async function settleRefunds(c: ConsoleCloud): Promise<void> {
  c.running.cloud.clock.advance(REFUND_PROCESSING_MS + 1000);
  const sandbox = cloudPaySandboxOf(c.running.cloud);
  await sandbox.tick();
  await sandbox.settle();
}

/** The console's answer's data, or a failure that names the refusal. */
export function data<T>(answer: { result: ApiResult<T> }): T {
  if (!answer.result.ok) throw new Error(`expected ok, got ${answer.result.code}: ${answer.result.message}`);
  return answer.result.data;
}
