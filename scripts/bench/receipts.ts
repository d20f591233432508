/**
 * Receipts: time to issue one (number + record, PDF render, upload, record update) — what a
 * payment callback waits for — its round trips, the PDF's size, the timer sending the queued
 * email, and 发送到邮箱 with the PDF attached, on the local cloud.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchSection } from '../bench';
import { LocalCloud } from '../../local/cloud';
import { installSandboxes } from '../../local/sandboxes';
import { installLocalMail } from '../../local/receipts';
import { collection, internalCallEvent } from '../../cloudfunctions/shared/runtime';
import { renderReceiptPdf } from '../../cloudfunctions/shared/receipts/pdf';
import { insertPaidOrderDirectly, insertStudentWithSession, TUITION_LINES } from '../../local/seed/paid-orders';

const RUNS = 20;

const ms = (value: number): string => `${value.toFixed(0)} ms`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const p95 = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * 0.95) - 1)]!;

export async function run(): Promise<BenchSection> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-bench-receipts-'));
  const cloud = await LocalCloud.start({ dataDir, logSink: () => undefined });
  installSandboxes(cloud, null);
  const mail = installLocalMail(cloud, null, { announce: false });
  await mail.ready;
  process.env.RECEIPT_AUTO_EMAIL = 'false';
  try {
    const db = cloud.sdkDatabase();
    const student = await insertStudentWithSession(db, cloud.clock.now(), { name: '刘䶮玥' });
    // The payment code calls `issue` from another function; here from `pay` during the student's sync.
    const caller = { openid: student.openid, source: 'wx_client,scf' };
    const issueEvent = (orderId: string) => internalCallEvent({ caller: 'pay', callee: 'receipts', action: 'issue', request: { orderId }, at: cloud.clock.now() });
    const issue = async (lines = TUITION_LINES) => {
      const order = await insertPaidOrderDirectly(db, student, cloud.clock.now(), { lines });
      const started = performance.now();
      const { result, stats } = await cloud.invokeWithStats('receipts', issueEvent(order._id), caller);
      const elapsed = performance.now() - started;
      if (!(result as { ok: boolean }).ok) throw new Error(`issue failed: ${JSON.stringify(result)}`);
      const receipt = (await collection(db, 'receipts').findById(order._id))!;
      return { elapsed, roundTrips: stats.roundTrips, receipt };
    };

    const cold = await issue();
    const warm: number[] = [];
    let roundTrips = 0;
    for (let i = 0; i < RUNS; i += 1) {
      const r = await issue();
      warm.push(r.elapsed);
      roundTrips = r.roundTrips;
    }
    const tenLines = Array.from({ length: 10 }, (_, i) => ({ itemCode: `X${i}`, itemName: `收费项目${i + 1}`, amount: 10000 + i }));
    const large = await issue(tenLines);

    const renders: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const started = performance.now();
      await renderReceiptPdf(cold.receipt, { version: 'ISSUED', verifyUrl: '' });
      renders.push(performance.now() - started);
    }

    // The automatic email: queued by issuing, sent by the receipts timer (not while paying).
    process.env.RECEIPT_AUTO_EMAIL = 'true';
    await issue();
    const timerStarted = performance.now();
    const swept = (await cloud.fireTimer('receipts', 'receiptsSweep')) as { ok: boolean; data?: { emailed: number } };
    const timerMs = performance.now() - timerStarted;
    if (!swept.ok || swept.data?.emailed !== 1) throw new Error(`the timer did not send the queued email: ${JSON.stringify(swept)}`);

    const sendStarted = performance.now();
    const sent = await cloud.invoke('receipts', { action: 'sendEmail', receiptId: cold.receipt._id, email: 'bench@example.com' }, { openid: student.openid });
    const sendMs = performance.now() - sendStarted;
    if (!(sent as { ok: boolean }).ok) throw new Error(`sendEmail failed: ${JSON.stringify(sent)}`);

    return {
      title: '电子票据（receipts，本地云）',
      rows: [
        { label: '开具一张（首张，含加载字体）', value: ms(cold.elapsed) },
        { label: `开具一张（中位数 / p95，${RUNS} 次）`, value: `${ms(median(warm))} / ${ms(p95(warm))}` },
        { label: '其中渲染 PDF（中位数）', value: ms(median(renders)) },
        { label: '开具一张的数据库往返', value: String(roundTrips) },
        { label: 'PDF 大小（2 项）', value: `${kb(cold.receipt.pdfBytes!)}（目标 ≤ 100 KB）` },
        { label: 'PDF 大小（10 项）', value: kb(large.receipt.pdfBytes!) },
        { label: '定时任务发出排队的邮件（1 封，本地 SMTP）', value: ms(timerMs) },
        { label: '发送到邮箱（本地 SMTP，含附件）', value: ms(sendMs) },
      ],
    };
  } finally {
    delete process.env.RECEIPT_AUTO_EMAIL;
    await cloud.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
