/**
 * The cloudPay sandbox over HTTP: the pay sheet for the mini program's local transport (in place of
 * wx.requestPayment) and, on a server started for tests, the test controls for tests that run the
 * local cloud in another process.
 */
import { HttpError, type LocalCloudServer } from '../server';
import type { CloudPayApiName, CloudPayFault } from './api-faults';
import type { CloudPaySandbox } from './sandbox';

export function installPayRoutes(server: LocalCloudServer, sandbox: CloudPaySandbox): void {
  // The pay sheet, for the mini program's local transport: pays as the caller (x-wx-openid). The
  // answer comes once the callback has been delivered (or queued), like WeChat's own order of events.
  server.route('/sandbox/pay', async ({ body, openid }) => {
    if (!openid) throw new HttpError(401, 'OPENID_REQUIRED', '缺少调用者身份');
    const ref = (body as { package?: unknown; prepayId?: unknown } | null) ?? {};
    const pkg = typeof ref.package === 'string' ? ref.package : typeof ref.prepayId === 'string' ? ref.prepayId : '';
    if (!pkg) throw new HttpError(400, 'PACKAGE_REQUIRED', '缺少 package（prepay_id=…）');
    const paid = await sandbox.pay(pkg, { openid });
    if (sandbox.callbackDelayMs === 0) await sandbox.settle();
    return { errMsg: 'requestPayment:ok', outTradeNo: paid.outTradeNo };
  });

  // Test controls over HTTP, for tests that run the local cloud in another process (page tests):
  // faults, held callbacks, an order's amount changed at WeChat. Never part of a demo.
  server.testRoute('/sandbox/cloudpay/control', async ({ body }) => {
    const command = (body ?? {}) as { action?: unknown; api?: unknown; fault?: unknown; times?: unknown; mode?: unknown; n?: unknown; ms?: unknown };
    switch (command.action) {
      case 'failNext':
        sandbox.failNext(command.api as CloudPayApiName, command.fault as CloudPayFault, typeof command.times === 'number' ? command.times : 1);
        return { ok: true };
      case 'setCallbackMode':
        sandbox.setCallbackMode(command.mode === 'hold' ? 'hold' : 'auto');
        return { ok: true };
      case 'setCallbackDelay':
        sandbox.setCallbackDelay(typeof command.ms === 'number' ? command.ms : 0);
        return { ok: true };
      case 'dropNextCallbacks':
        sandbox.dropNextCallbacks(typeof command.n === 'number' ? command.n : 1);
        return { ok: true };
      case 'releaseCallbacks':
        return { ok: true, deliveries: (await sandbox.releaseCallbacks()).map((d) => ({ outTradeNo: d.outTradeNo, ok: d.ok })) };
      case 'alterOrder': {
        const patch = (body ?? {}) as { outTradeNo?: unknown; totalFee?: unknown };
        if (typeof patch.outTradeNo !== 'string' || typeof patch.totalFee !== 'number') throw new HttpError(400, 'BAD_REQUEST', '需要 outTradeNo 与 totalFee');
        sandbox.alterOrder(patch.outTradeNo, { totalFee: patch.totalFee });
        return { ok: true };
      }
      case 'tick':
        return { ok: true, deliveries: (await sandbox.tick()).map((d) => ({ kind: d.kind, outTradeNo: d.outTradeNo, ok: d.ok })) };
      case 'resetControls':
        sandbox.resetControls();
        return { ok: true };
      default:
        throw new HttpError(400, 'UNKNOWN_ACTION', '不支持的沙箱操作');
    }
  });
}
