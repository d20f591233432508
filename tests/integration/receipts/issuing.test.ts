/**
 * Issuing receipts through the local cloud: one receipt per paid order, numbers without gaps or
 * repeats, failures retried by the sweep without burning a number, and only the owner sees theirs.
 */
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { ReceiptIssued, ReceiptList, ReceiptSweepReport, ReceiptVoided } from '../../../cloudfunctions/shared/contracts/receipts';
import { collection } from '../../../cloudfunctions/shared/runtime';
import type { ReceiptDoc } from '../../../cloudfunctions/shared/domain/receipt';
import { providerApiOf, type ProviderApi } from '../../../local/wx-internals';
import cloudSdk from 'wx-server-sdk';
import type { WxCloud } from '../../../cloudfunctions/shared/runtime';
import {
  insertPaidOrderDirectly,
  insertStudentWithSession,
  issueAsPaymentCode,
  issueMissingAsCron,
  startReceiptsTestCloud,
  voidAsRefundCode,
  type FixtureStudent,
} from '../../support/receipt-fixtures';

jest.setTimeout(120_000);

type TestCloud = Awaited<ReturnType<typeof startReceiptsTestCloud>>;

const ok = <T>(result: unknown): T => {
  const r = result as ApiResult<T>;
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`);
  return r.data;
};

describe('receipts: issuing', () => {
  let t: TestCloud;
  let student: FixtureStudent;

  const db = () => t.cloud.sdkDatabase();
  const receipts = () => collection<ReceiptDoc>(db(), 'receipts');
  const counterValue = async (): Promise<number> => {
    const counter = await collection<{ _id: string; value: number }>(db(), 'counters').findById('receipt-no-37060126');
    return counter?.value ?? 0;
  };

  beforeAll(async () => {
    t = await startReceiptsTestCloud({ startAt: new Date('2026-03-01T01:00:00Z') });
    process.env.RECEIPT_AUTO_EMAIL = 'false';
    student = await insertStudentWithSession(db(), t.cloud.clock.now(), { name: '刘䶮玥' });
  });

  afterAll(async () => {
    delete process.env.RECEIPT_AUTO_EMAIL;
    await t.stop();
  });

  it('issues exactly one receipt for a paid order, with its document stored', async () => {
    const order = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
    const before = await counterValue();
    const issued = ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, order._id));
    expect(issued).toMatchObject({ receiptId: order._id, state: 'ISSUED', created: true });
    expect(issued.receiptNo).toMatch(/^\d{10}$/);
    expect(Number(issued.receiptNo)).toBe(before + 1);

    const stored = await receipts().find({ orderId: order._id });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      status: 'ISSUED',
      receiptCode: '37060126',
      payerName: '刘䶮玥',
      total: 440000,
      totalInWords: '肆仟肆佰元整',
      watermark: '样张',
      pdfVersion: 'ISSUED',
    });
    expect(stored[0]!.checkCode).toMatch(/^[0-9A-Z]{6}$/);
    const file = await cloudSdk.downloadFile({ fileID: stored[0]!.pdfFileID! });
    const pdf = Buffer.from(file.fileContent as Buffer);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBe(stored[0]!.pdfBytes);
    expect(pdf.length).toBeLessThanOrEqual(100 * 1024);
  });

  it('issues once under duplicate and concurrent calls (repeated callbacks, cron at the same time)', async () => {
    const order = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
    const before = await counterValue();
    const results = await Promise.all([
      ...Array.from({ length: 6 }, () => issueAsPaymentCode(t.cloud, order._id)),
      issueMissingAsCron(t.cloud),
    ]);
    const issued = results.slice(0, 6).map((r) => ok<ReceiptIssued>(r));
    expect(new Set(issued.map((r) => r.receiptNo)).size).toBe(1);
    expect(issued.filter((r) => r.created)).toHaveLength(issued.some((r) => r.created) ? 1 : 0);
    expect(ok<ReceiptSweepReport>(results[6]).failed).toBe(0);
    // And once more afterwards.
    const again = ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, order._id));
    expect(again).toMatchObject({ receiptNo: issued[0]!.receiptNo, created: false, state: 'ISSUED' });

    expect(await receipts().count({ orderId: order._id })).toBe(1);
    expect(await counterValue()).toBe(before + 1);
    expect(Number(issued[0]!.receiptNo)).toBe(before + 1);
  });

  it('numbers 100 paid orders consecutively, with no gaps and no repeats, issued concurrently', async () => {
    const at = t.cloud.clock.now();
    const orders = [];
    for (let i = 0; i < 100; i += 1) orders.push(await insertPaidOrderDirectly(db(), student, at, { lines: [{ itemCode: 'XF', itemName: '学费', amount: 1000 + i }] }));
    const before = await counterValue();
    const results = await Promise.all(orders.map((order) => issueAsPaymentCode(t.cloud, order._id)));
    const numbers = results.map((r) => Number(ok<ReceiptIssued>(r).receiptNo)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 100 }, (_, i) => before + 1 + i));
    expect(await counterValue()).toBe(before + 100);

    // Across everything issued so far: 1..N, each once.
    const all = await receipts().find({}, { orderBy: [['sequence', 'asc']], limit: 1000, fields: ['sequence', 'receiptNo', 'orderId'] });
    expect(all.map((r) => r.sequence)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    expect(all.map((r) => r.receiptNo)).toEqual(all.map((r) => String(r.sequence).padStart(10, '0')));
    expect(new Set(all.map((r) => r.orderId)).size).toBe(all.length);
  });

  it('refuses an order that is not paid, without using a number', async () => {
    const order = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now(), { status: 'PENDING' });
    const before = await counterValue();
    expect(await issueAsPaymentCode(t.cloud, order._id)).toMatchObject({ ok: false, code: 'RECEIPT_ORDER_NOT_PAID' });
    expect(await issueAsPaymentCode(t.cloud, 'no-such-order')).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await counterValue()).toBe(before);
    expect(await receipts().count({ orderId: order._id })).toBe(0);
  });

  it('refuses issuing, sweeping and voiding from the mini program (only other functions may)', async () => {
    const order = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
    const asStudent = { openid: student.openid };
    expect(await t.call('receipts', { action: 'issue', orderId: order._id }, asStudent)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await t.call('receipts', { action: 'issueMissing' }, asStudent)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await t.call('receipts', { action: 'sweep' }, asStudent)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await t.call('receipts', { action: 'void', orderId: order._id, reason: 'x' }, asStudent)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await receipts().count({ orderId: order._id })).toBe(0);
    // The sweep picks it up (it is paid and has no receipt).
    ok(await issueMissingAsCron(t.cloud));
    expect(await receipts().count({ orderId: order._id, status: 'ISSUED' })).toBe(1);
  });

  describe('failures are retried by the sweep', () => {
    let api: ProviderApi;
    let upload: ProviderApi['uploadFile'];

    beforeAll(() => {
      api = providerApiOf(cloudSdk as unknown as WxCloud);
      upload = api.uploadFile;
    });
    afterEach(() => {
      api.uploadFile = upload;
    });

    it('a storage outage leaves the number allocated and the receipt pending; the timer completes it with the same number', async () => {
      // Cloud storage is down: every upload fails.
      api.uploadFile = async () => {
        throw { errCode: -501001, errMsg: 'uploadFile:fail storage unavailable' };
      };
      const first = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
      const second = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
      const before = await counterValue();
      const a = ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, first._id));
      const b = ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, second._id));
      expect([a.state, b.state]).toEqual(['PENDING', 'PENDING']);
      expect([Number(a.receiptNo), Number(b.receiptNo)]).toEqual([before + 1, before + 2]);

      // The student sees it as 开具中 and cannot download it yet.
      const list = ok<ReceiptList>(await t.call('receipts', { action: 'list' }, { openid: student.openid }));
      expect(list.items.find((item) => item.receiptId === first._id)).toMatchObject({ state: 'PENDING', stateText: '开具中' });
      expect(await t.call('receipts', { action: 'download', receiptId: first._id }, { openid: student.openid })).toMatchObject({
        ok: false,
        code: 'RECEIPT_NOT_READY',
      });

      // Storage is back; the timer trigger sweeps.
      api.uploadFile = upload;
      const report = ok<ReceiptSweepReport>(await t.cloud.fireTimer('receipts', 'receiptsSweep'));
      expect(report.completed).toBe(2);
      expect(report.failed).toBe(0);
      const done = await receipts().find({ orderId: collectionIn([first._id, second._id]) }, { orderBy: [['sequence', 'asc']] });
      expect(done.map((r) => [r.status, Number(r.receiptNo)])).toEqual([
        ['ISSUED', before + 1],
        ['ISSUED', before + 2],
      ]);
      expect(await counterValue()).toBe(before + 2);
    });

    it('a paid order whose issue call failed (or never came) is issued by cron', async () => {
      // The payment code's call fails: receipts are not configured yet.
      const secret = process.env.RECEIPT_CHECK_SECRET;
      delete process.env.RECEIPT_CHECK_SECRET;
      const order = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
      const before = await counterValue();
      expect(await issueAsPaymentCode(t.cloud, order._id)).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
      expect(await counterValue()).toBe(before);
      const failedSweep = ok<ReceiptSweepReport>(await issueMissingAsCron(t.cloud));
      expect(failedSweep.failed).toBeGreaterThanOrEqual(1);
      expect(await receipts().count({ orderId: order._id })).toBe(0);

      // Configured again: the next cron run issues it, with the next number.
      process.env.RECEIPT_CHECK_SECRET = secret;
      const report = ok<ReceiptSweepReport>(await issueMissingAsCron(t.cloud));
      expect(report).toMatchObject({ issued: 1, failed: 0 });
      const receipt = await receipts().findById(order._id);
      expect(receipt).toMatchObject({ status: 'ISSUED', sequence: before + 1 });
    });

    it('the sweep reads only orders paid since its cursor (minus the overlap), and still finds a late one in the overlap', async () => {
      ok(await issueMissingAsCron(t.cloud));
      // Every paid order has its receipt, so the cursor is at the latest one: with no overlap the
      // next run reads (almost) nothing.
      process.env.RECEIPT_SWEEP_OVERLAP_HOURS = '0';
      try {
        const quiet = ok<ReceiptSweepReport>(await issueMissingAsCron(t.cloud));
        expect(quiet).toMatchObject({ issued: 0, failed: 0 });
        expect(quiet.scanned).toBeLessThanOrEqual(2);
      } finally {
        delete process.env.RECEIPT_SWEEP_OVERLAP_HOURS;
      }
      // An order whose PAID transition came late, with a payment time before the cursor, is found
      // in the overlap (default 24 h).
      const late = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now(), { paidAt: new Date(t.cloud.clock.nowMs() - 60 * 60_000) });
      const found = ok<ReceiptSweepReport>(await issueMissingAsCron(t.cloud));
      expect(found).toMatchObject({ issued: 1, failed: 0 });
      expect(await receipts().count({ orderId: late._id, status: 'ISSUED' })).toBe(1);
    });
  });

  describe('a student sees only their own receipts', () => {
    let other: FixtureStudent;
    let mine: string;

    beforeAll(async () => {
      other = await insertStudentWithSession(db(), t.cloud.clock.now(), { name: '王㛃' });
      const order = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
      mine = ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, order._id)).receiptId;
    });

    it("refuses another student's receipt for download and email, like one that does not exist", async () => {
      const asOther = { openid: other.openid };
      expect(await t.call('receipts', { action: 'download', receiptId: mine }, asOther)).toMatchObject({ ok: false, code: 'RECEIPT_NOT_FOUND' });
      expect(await t.call('receipts', { action: 'sendEmail', receiptId: mine, email: 'x@example.com' }, asOther)).toMatchObject({
        ok: false,
        code: 'RECEIPT_NOT_FOUND',
      });
      const theirs = ok<ReceiptList>(await t.call('receipts', { action: 'list' }, asOther));
      expect(theirs.items).toEqual([]);
      // Without a session: not signed in.
      expect(await t.call('receipts', { action: 'list' }, { openid: 'openid-nobody' })).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    });

    it('lists the owner’s receipts newest first, with number, amount, date and state', async () => {
      t.cloud.clock.advance(60_000);
      const newest = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now(), { lines: [{ itemCode: 'JCF', itemName: '教材费', amount: 45050 }] });
      ok(await issueAsPaymentCode(t.cloud, newest._id));
      const list = ok<ReceiptList>(await t.call('receipts', { action: 'list' }, { openid: student.openid }));
      expect(list.items.length).toBeGreaterThan(2);
      expect(list.items[0]).toMatchObject({
        receiptId: newest._id,
        total: 45050,
        items: '教材费',
        state: 'ISSUED',
        stateText: '已开具',
        academicYear: '2026-2027',
        orderEmailMasked: 'st***@example.edu.cn',
      });
      const times = list.items.map((item) => Date.parse(item.issuedAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(list.items.every((item) => /^\d{10}$/.test(item.receiptNo) && /^\d{4}-\d{2}-\d{2}$/.test(item.issuedDate))).toBe(true);
    });
  });

  describe('冲红', () => {
    it('voids the receipt of a refunded order once, re-makes its document marked 已冲红, and stops emailing it', async () => {
      const order = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
      const issued = ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, order._id));
      const voided = ok<ReceiptVoided>(await voidAsRefundCode(t.cloud, order._id, '学生退学退费'));
      expect(voided).toEqual({ receiptId: order._id, receiptNo: issued.receiptNo, state: 'VOIDED', changed: true });
      expect(ok<ReceiptVoided>(await voidAsRefundCode(t.cloud, order._id))).toMatchObject({ changed: false, state: 'VOIDED' });

      const stored = await receipts().findById(order._id);
      expect(stored).toMatchObject({ status: 'VOIDED', voidReason: '学生退学退费', pdfVersion: 'VOIDED' });
      expect(stored!.pdfFileID).toMatch(/-voided\.pdf$/);

      const list = ok<ReceiptList>(await t.call('receipts', { action: 'list' }, { openid: student.openid }));
      expect(list.items.find((item) => item.receiptId === order._id)).toMatchObject({ state: 'VOIDED', stateText: '已冲红' });
      expect(await t.call('receipts', { action: 'sendEmail', receiptId: order._id }, { openid: student.openid })).toMatchObject({
        ok: false,
        code: 'RECEIPT_VOIDED',
      });
      // The number is not reused: the next receipt gets the next one.
      const next = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
      expect(Number(ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, next._id)).receiptNo)).toBe(Number(issued.receiptNo) + 1);
      expect(await voidAsRefundCode(t.cloud, 'ord-without-receipt')).toMatchObject({ ok: false, code: 'RECEIPT_NOT_FOUND' });
    });
  });

  describe('verification (what the QR code leads to)', () => {
    it('confirms a genuine receipt and rejects a wrong check code', async () => {
      const order = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
      ok(await issueAsPaymentCode(t.cloud, order._id));
      const receipt = (await receipts().findById(order._id))!;
      const anyone = { openid: 'openid-verifier' };
      const genuine = await t.call('receipts', { action: 'verify', receiptCode: receipt.receiptCode, receiptNo: receipt.receiptNo, checkCode: receipt.checkCode }, anyone);
      expect(ok(genuine)).toMatchObject({ valid: true, state: 'ISSUED', total: 440000, payerName: '刘*玥' });
      const wrong = receipt.checkCode === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';
      expect(ok(await t.call('receipts', { action: 'verify', receiptCode: receipt.receiptCode, receiptNo: receipt.receiptNo, checkCode: wrong }, anyone))).toEqual({
        valid: false,
      });
    });
  });

  // Declared last so it runs after everything above has logged.
  describe('logs', () => {
    it('hold no full name or email address', () => {
      const joined = t.logs.join('\n');
      expect(joined).toContain('receipt issued');
      expect(joined).not.toMatch(/刘䶮玥/);
      expect(joined).not.toMatch(/student@example\.edu\.cn/);
    });
  });
});

/** `{ $in: [...] }` through the SDK's command, for a test query. */
function collectionIn(values: string[]): unknown {
  return (cloudSdk as unknown as WxCloud).database().command.in(values);
}
