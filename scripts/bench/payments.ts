/**
 * Payments on the local cloud: database round trips of the three hot actions (they must not grow
 * with the number of bills), 200 students paying at once with every callback delivered three
 * times, and the sweep at peak (more due orders than one page).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchSection } from '../bench';
import { LocalCloud } from '../../local/cloud';
import { installSandboxes } from '../../local/sandboxes';
import { cloudPaySandboxOf } from '../../local/wechat-pay';
import type { SweepReport } from '../../cloudfunctions/shared/billing/contract';
import type { OrderDoc } from '../../cloudfunctions/shared/billing/domain/records';
import { addBills, createSignedInStudent, dump } from '../../tests/support/billing-fixtures';

const STUDENTS = 200;
const BILLS_EACH = 3;
const CALLBACK_COPIES = 3;
/** Due orders for the sweep figure: several pages' worth. */
const DUE_ORDERS = 300;

type Result = { ok: boolean; data?: { order: { id: string } }; code?: string };

export async function run(): Promise<BenchSection> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-bench-pay-'));
  const cloud = await LocalCloud.start({ dataDir, logSink: () => undefined, startAt: new Date('2026-11-28T02:00:00Z') });
  installSandboxes(cloud, null);
  const sandbox = cloudPaySandboxOf(cloud);
  // Receipts asked for by the payment step keep running after it stops waiting (as a called cloud
  // function does); they are counted and awaited before the cloud closes.
  const receiptWork: Promise<unknown>[] = [];
  const invoke = cloud.invoke.bind(cloud);
  cloud.invoke = (name, event, caller) => {
    const work = invoke(name, event, caller);
    if (name === 'receipts') receiptWork.push(work.catch(() => undefined));
    return work;
  };
  const rows: BenchSection['rows'] = [];
  try {
    // ---- round trips per action, by number of bills --------------------------------------------
    const trips: Record<string, number[]> = { list: [], create: [], callback: [], subscribedCallback: [], listAfter: [] };
    for (const count of [1, 10, 50]) {
      for (const subscribed of [false, true]) {
        const student = await createSignedInStudent(cloud);
        const bills = await addBills(cloud, student, count);
        const caller = { openid: student.openid };
        const list = await cloud.invokeWithStats('bills', { action: 'overview' }, caller);
        const created = await cloud.invokeWithStats('pay', { action: 'create', billIds: bills.map((b) => b._id), email: 'bench@example.com', subscribed }, caller);
        const orderId = (created.result as Result).data?.order.id;
        if (!orderId) throw new Error(`create failed: ${JSON.stringify(created.result)}`);
        sandbox.setCallbackMode('hold');
        await sandbox.pay(orderId);
        const event = sandbox.callbackEventFor(orderId);
        const callback = await cloud.invokeWithStats('payNotify', event, { source: 'wx_paycallback', openid: student.openid });
        if ((callback.result as { errcode: number }).errcode !== 0) throw new Error(`callback failed: ${JSON.stringify(callback.result)}`);
        await sandbox.releaseCallbacks(orderId);
        sandbox.setCallbackMode('auto');
        if (subscribed) {
          trips.subscribedCallback!.push(callback.stats.roundTrips);
          continue;
        }
        trips.list!.push(list.stats.roundTrips);
        trips.create!.push(created.stats.roundTrips);
        trips.callback!.push(callback.stats.roundTrips);
        trips.listAfter!.push((await cloud.invokeWithStats('bills', { action: 'overview' }, caller)).stats.roundTrips);
      }
    }
    const perBills = (values: number[]): string => `${values.join(' / ')}   (1 / 10 / 50 bills)`;
    rows.push({ label: 'round trips: list bills (bills.overview)', value: perBills(trips.list!) });
    rows.push({ label: '  …once the student has orders', value: perBills(trips.listAfter!) });
    rows.push({ label: 'round trips: create order (pay.create)', value: perBills(trips.create!) });
    rows.push({ label: 'round trips: payment callback (payNotify)', value: perBills(trips.callback!) });
    rows.push({ label: '  …for a student who asked for 缴费成功', value: perBills(trips.subscribedCallback!) });

    // ---- 200 students at once ---------------------------------------------------------------------
    const students = [];
    for (let i = 0; i < STUDENTS; i += 1) {
      const student = await createSignedInStudent(cloud);
      students.push({ student, bills: await addBills(cloud, student, BILLS_EACH) });
    }
    const receiptCallsBefore = receiptWork.length;
    const started = performance.now();
    let errors = 0;
    await Promise.all(
      students.map(async ({ student, bills }) => {
        const ids = bills.map((b) => b._id);
        // A double tap on 立即支付.
        const [a, b] = (await Promise.all([
          cloud.invoke('pay', { action: 'create', billIds: ids, email: 'bench@example.com' }, { openid: student.openid }),
          cloud.invoke('pay', { action: 'create', billIds: ids, email: 'bench@example.com' }, { openid: student.openid }),
        ])) as Result[];
        if (!a!.ok || !b!.ok || a!.data!.order.id !== b!.data!.order.id) {
          errors += 1;
          return;
        }
        sandbox.duplicateNextCallbacks(CALLBACK_COPIES - 1);
        await sandbox.pay(a!.data!.order.id);
      }),
    );
    await sandbox.settle();
    const elapsed = performance.now() - started;
    errors += sandbox.deliveries.filter((d) => !d.ok).length + sandbox.pendingCallbacks().length;

    const orders = await dump<OrderDoc>(cloud, 'orders');
    const paidPerBill = new Map<string, number>();
    for (const atWechat of sandbox.orders()) {
      if (atWechat.state !== 'SUCCESS') continue;
      for (const id of orders.find((o) => o._id === atWechat.outTradeNo)?.billIds ?? []) paidPerBill.set(id, (paidPerBill.get(id) ?? 0) + 1);
    }
    const studentIds = new Set(students.map((s) => s.student.studentId));
    const paidOrders = orders.filter((o) => studentIds.has(o.studentId) && o.status === 'PAID').length;
    rows.push({ label: `${STUDENTS} students paying at once (double tap, ${CALLBACK_COPIES}× callbacks)`, value: `${(elapsed / 1000).toFixed(1)} s` });
    rows.push({ label: '  errors', value: String(errors) });
    rows.push({ label: '  orders paid', value: `${paidOrders} of ${STUDENTS}` });
    rows.push({ label: '  bills paid more than once', value: String([...paidPerBill.values()].filter((n) => n > 1).length) });
    rows.push({ label: '  callbacks delivered', value: String(sandbox.deliveries.length) });
    const receiptCalls = receiptWork.length - receiptCallsBefore;
    await Promise.all(receiptWork);
    rows.push({ label: '  receipts asked for (once per paid order)', value: String(receiptCalls) });

    // ---- the sweep at peak ---------------------------------------------------------------------------
    const due: string[] = [];
    for (let i = 0; i < DUE_ORDERS; i += 1) {
      const student = await createSignedInStudent(cloud);
      const bills = await addBills(cloud, student, 1);
      const created = (await cloud.invoke('pay', { action: 'create', billIds: [bills[0]!._id], email: 'bench@example.com' }, { openid: student.openid })) as Result;
      if (created.data) due.push(created.data.order.id);
    }
    // Every tenth was paid and its callback lost; then all of them are past their expiry.
    for (const id of due.filter((_, i) => i % 10 === 0)) {
      sandbox.dropNextCallbacks();
      await sandbox.pay(id);
    }
    cloud.clock.advance(20 * 60_000);
    const sweepStarted = performance.now();
    const swept = await cloud.invokeWithStats('paymentsSweep', { Type: 'Timer', TriggerName: 'sweep' }, { source: 'wx_trigger' });
    const sweepMs = performance.now() - sweepStarted;
    const report = (swept.result as { data?: SweepReport }).data;
    rows.push({
      label: `sweep: ${DUE_ORDERS} due orders (6 pages), one run`,
      value: `${(sweepMs / 1000).toFixed(1)} s, ${report?.checked ?? 0} checked, ${report?.paid ?? 0} paid, ${report?.closed ?? 0} closed, ${report?.leftOver ?? 0} left over`,
    });
    rows.push({ label: '  sweep database round trips per due order', value: (swept.stats.roundTrips / DUE_ORDERS).toFixed(1) });
    await Promise.all(receiptWork);
  } finally {
    await cloud.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { title: 'Payments (local cloud)', rows };
}
