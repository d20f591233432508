/**
 * cloudPay sandbox: what WeChat Pay (through Cloud Development) answers to `cloud.cloudPay.*`, with
 * cloudPay's field names and rules, plus the two things a real payment needs from outside the
 * functions: the student paying (the pay sheet) and the payment callback.
 *
 * - APIs: unifiedOrder, queryOrder, closeOrder, refund, queryRefund (merchant.ts) and downloadBill
 *   (statement.ts). Each receives the snake_case request the genuine SDK sends and answers
 *   snake_case, with return_code / result_code / err_code / err_code_des as WeChat Pay v2 does
 *   (wire.ts). The SDK then does what it does in production, including overwriting err_code with
 *   `errCode: 0`. Tests can make a call time out, fail or wait (api-faults.ts).
 * - Paying: `pay()` (in-process) or `POST /sandbox/pay` (routes.ts) pays an order as its payer.
 * - Callbacks: delivered at least once, retried on WeChat's schedule (callbacks.ts).
 * - State is durable: a journal file in the local cloud's data folder, replayed on start.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LocalCloud } from '../cloud';
import type { LocalCloudServer } from '../server';
import { CLOUD_PAY_APIS } from './api-faults';
import { installPayRoutes } from './routes';
import { CloudPay, type CloudPaySandbox } from './sandbox';
import { SANDBOX_SUB_MCH_ID } from './wire';

export { REQUEST_REFUSED_MESSAGE, type CloudPayApiName, type CloudPayFault, type HeldCall } from './api-faults';
export { CALLBACK_RETRY_SCHEDULE_MS, type CallbackEvent, type DeliveryRecord } from './callbacks';
export {
  REFUND_PROCESSING_MS,
  type PayOptions,
  type PayingHandle,
  type SandboxOrder,
  type SandboxRefund,
  type SandboxRefundStatus,
  type SandboxTradeState,
} from './merchant';
export type { CloudPaySandbox } from './sandbox';
export { SANDBOX_MCH_ID, SANDBOX_SUB_MCH_ID } from './wire';

/** Environment defaults the pay functions read, as the console would set them. */
export const LOCAL_PAY_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  PAY_SUB_MCH_ID: SANDBOX_SUB_MCH_ID,
};

const sandboxes = new WeakMap<LocalCloud, CloudPaySandbox>();

/** The cloudPay sandbox installed on a cloud (tests in-process use it; the server exposes some of it over HTTP). */
export function cloudPaySandboxOf(cloud: LocalCloud): CloudPaySandbox {
  const sandbox = sandboxes.get(cloud);
  if (!sandbox) throw new Error('the cloudPay sandbox is not installed on this local cloud');
  return sandbox;
}

function applyPayEnvDefaults(): void {
  for (const [name, value] of Object.entries(LOCAL_PAY_ENV_DEFAULTS)) {
    if (!process.env[name]) process.env[name] = value;
  }
}

/** cloudPay sandbox (unifiedOrder, queryOrder, closeOrder, refund, queryRefund, downloadBill, paying, callbacks). */
export function installCloudPaySandbox(cloud: LocalCloud, server: LocalCloudServer | null): void {
  applyPayEnvDefaults();
  const dir = path.join(cloud.dataDir, 'sandbox');
  mkdirSync(dir, { recursive: true });
  const sandbox = new CloudPay(cloud, path.join(dir, 'cloudpay.jsonl'));
  sandboxes.set(cloud, sandbox);
  for (const api of CLOUD_PAY_APIS) cloud.registerPayApi(api, (request) => sandbox.call(api, request));
  if (!server) return;
  installPayRoutes(server, sandbox);

  // WeChat acts on its own as time passes (refunds settle, failed callbacks are sent again): with a
  // server running (npm start, page tests), once a second by the local clock.
  let ticking = false;
  const pump = setInterval(() => {
    if (ticking) return;
    ticking = true;
    sandbox
      .tick()
      .catch(() => undefined)
      .finally(() => (ticking = false));
  }, 1000);
  pump.unref();
}
