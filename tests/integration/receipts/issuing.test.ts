/**
 * Issuing receipts through the local cloud: paying issues exactly one receipt (through the real
 * pay → cloudPay sandbox → payNotify flow, duplicate callbacks included), numbers without gaps or
 * repeats, failures retried by the timer without burning a number, a sweep that keeps up with any
 * number of paid orders, 冲红 however a refund and the issue interleave, verification across a key
 * rotation, and only the owner sees theirs.
 */
import cloudSdk from 'wx-server-sdk';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { ReceiptIssued, ReceiptList, ReceiptSweepReport, ReceiptVerification, ReceiptVoided } from '../../../cloudfunctions/shared/receipts/contract';
import { collection, type WxCloud } from '../../../cloudfunctions/shared/runtime';
import type { ReceiptDoc } from '../../../cloudfunctions/shared/receipts/domain/receipt';
import type { OrderDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { providerApiOf, type ProviderApi } from '../../../local/wx-internals';
import { pdfText } from './pdf-reading';
import {
  fireReceiptsTimer,
  insertPaidOrderDirectly,
  insertPaidOrdersInBulk,
  insertStudentWithSession,
  payThroughFlow,
  startReceiptsTestCloud,
  type FixtureStudent,
} from '../../support/receipt-fixtures';
import { issueAsPaymentCode, issueMissingAsCron, voidAsRefundCode } from '../../support/internal-calls';

jest.setTimeout(120_000);

type TestCloud = Awaited<ReturnType<typeof startReceiptsTestCloud>>;

const ok = <T>(result: unknown): T => {
  const r = result as ApiResult<T>;
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`);
  return r.data;
};

const RANDOM_PATH = /\/receipts\/37060126\/(\d{10})-([0-9a-f]{32})(-voided)?\.pdf$/;

describe('receipts: issuing', () => {
  let t: TestCloud;
  let student: FixtureStudent;

  const db = () => t.cloud.sdkDatabase();
  const receipts = () => collection(db(), 'receipts');
  const orders = () => collection(db(), 'orders');
  const counterValue = async (): Promise<number> => {
    const counter = await collection(db(), 'counters').findById('receipt-no-37060126');
    return counter?.value ?? 0;
  };
  const timer = async () => ok<ReceiptSweepReport>(await fireReceiptsTimer(t.cloud));

  beforeAll(async () => {
    t = await startReceiptsTestCloud({ startAt: new Date('2026-03-01T01:00:00Z') });
    process.env.RECEIPT_AUTO_EMAIL = 'false';
    student = await insertStudentWithSession(db(), t.cloud.clock.now(), { name: '刘䶮玥' });
  });

  afterAll(async () => {
    delete process.env.RECEIPT_AUTO_EMAIL;
    await t.stop();
  });

  it('paying issues exactly one receipt with the next number, also when the callback arrives four times', async () => {
    const before = await counterValue();
    const order = await payThroughFlow(t.cloud, student, { duplicates: 3 });
    // payNotify handled the payment four times (each callback is kept); one receipt came of it.
    const callbacks = (await t.cloud.database.dump('notifications')).filter((n) => n.outTradeNo === order.outTradeNo);
    expect(callbacks).toHaveLength(4);

    const stored = await receipts().find({ orderId: order._id });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      status: 'ISSUED',
      receiptCode: '37060126',
      receiptNo: String(before + 1).padStart(10, '0'),
      sequence: before + 1,
      payerName: '刘䶮玥',
      total: 440000,
      totalInWords: '肆仟肆佰元整',
      outTradeNo: order.outTradeNo,
      watermark: '样张',
      pdfVersion: 'ISSUED',
      checkKeyId: 'k1',
    });
    expect(await counterValue()).toBe(before + 1);
    expect(stored[0]!.checkCode).toMatch(/^[0-9A-Z]{6}$/);
    // The order is marked in the same transaction, so the sweep never reads it again.
    expect((await orders().findById(order._id))!.receiptState).toBe('ISSUED');

    const file = await cloudSdk.downloadFile({ fileID: stored[0]!.pdfFileID! });
    const pdf = Buffer.from(file.fileContent as Buffer);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBe(stored[0]!.pdfBytes);
    expect(pdf.length).toBeLessThanOrEqual(100 * 1024);

    // Issuing again (a late retry) changes nothing.
    expect(ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, order._id))).toMatchObject({ receiptNo: stored[0]!.receiptNo, created: false });
    expect(await counterValue()).toBe(before + 1);
  });

  it('stores the document at a path with 128 random bits, kept on the record (not receipts/<code>/<number>.pdf)', async () => {
    const a = await payThroughFlow(t.cloud, student);
    const b = await payThroughFlow(t.cloud, student);
    const [ra, rb] = [(await receipts().findById(a._id))!, (await receipts().findById(b._id))!];
    for (const receipt of [ra, rb]) {
      const match = RANDOM_PATH.exec(receipt.pdfFileID!);
      expect(match).not.toBeNull();
      expect(match![1]).toBe(receipt.receiptNo);
      expect(match![2]).toBe(receipt.storageKey);
    }
    expect(ra.storageKey).not.toBe(rb.storageKey);
    // What an enumerating visitor would try is not there.
    const guessed = `${ra.pdfFileID!.slice(0, ra.pdfFileID!.indexOf('/receipts/'))}/receipts/37060126/${ra.receiptNo}.pdf`;
    await expect(cloudSdk.downloadFile({ fileID: guessed })).rejects.toBeTruthy();
  });

  it('a name with a character no receipt font has (𠀀 U+20000): issued, printed as its code point, and a warning names the receipt', async () => {
    const payer = await insertStudentWithSession(db(), t.cloud.clock.now(), { name: '𠀀田优' });
    const order = await payThroughFlow(t.cloud, payer);
    const receipt = (await receipts().findById(order._id))!;
    expect(receipt.status).toBe('ISSUED');
    const pdf = Buffer.from((await cloudSdk.downloadFile({ fileID: receipt.pdfFileID! })).fileContent as Buffer);
    expect(pdfText(pdf)).toContain('交款人：〔U+20000〕田优');
    const warning = t.logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.level === 'warn' && line.receiptId === receipt._id);
    expect(warning).toMatchObject({ fn: 'receipts', codePoints: ['U+20000'] });
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
    const again = ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, order._id));
    expect(again).toMatchObject({ receiptNo: issued[0]!.receiptNo, created: false, state: 'ISSUED' });

    expect(await receipts().count({ orderId: order._id })).toBe(1);
    expect(await counterValue()).toBe(before + 1);
    expect(Number(issued[0]!.receiptNo)).toBe(before + 1);
  });

  // Direct writes: 100 orders issued at the same moment is a numbering test, not a payment test.
  it('numbers 100 paid orders consecutively, with no gaps and no repeats, issued concurrently', async () => {
    const at = t.cloud.clock.now();
    const made = [];
    for (let i = 0; i < 100; i += 1) made.push(await insertPaidOrderDirectly(db(), student, at, { lines: [{ itemCode: 'XF', itemName: '学费', amount: 1000 + i }] }));
    const before = await counterValue();
    const results = await Promise.all(made.map((order) => issueAsPaymentCode(t.cloud, order._id)));
    const numbers = results.map((r) => Number(ok<ReceiptIssued>(r).receiptNo)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 100 }, (_, i) => before + 1 + i));
    expect(await counterValue()).toBe(before + 100);

    const all = await receipts().find({ receiptCode: '37060126' }, { orderBy: [['sequence', 'asc']], limit: 1000, fields: ['sequence', 'receiptNo', 'orderId'] });
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

  describe('failures are retried by the timer', () => {
    let api: ProviderApi;
    let upload: ProviderApi['uploadFile'];

    beforeAll(() => {
      api = providerApiOf(cloudSdk as unknown as WxCloud);
      upload = api.uploadFile;
    });
    afterEach(() => {
      api.uploadFile = upload;
    });

    it('cloud storage down while paying: the number is allocated, the receipt pending; the timer completes it with the same number', async () => {
      // The local cloud's storage refuses every upload (what a storage outage looks like to the SDK).
      api.uploadFile = async () => {
        throw { errCode: -501001, errMsg: 'uploadFile:fail storage unavailable' };
      };
      const before = await counterValue();
      const first = await payThroughFlow(t.cloud, student);
      const second = await payThroughFlow(t.cloud, student, { duplicates: 1 });
      const pending = await receipts().find({ orderId: collectionIn([first._id, second._id]) }, { orderBy: [['sequence', 'asc']] });
      expect(pending.map((r) => [r.orderId, r.status, r.sequence])).toEqual([
        [first._id, 'PENDING_PDF', before + 1],
        [second._id, 'PENDING_PDF', before + 2],
      ]);

      // The student sees it as 开具中 and cannot download it yet.
      const list = ok<ReceiptList>(await t.call('receipts', { action: 'list' }, { openid: student.openid }));
      expect(list.items.find((item) => item.receiptId === first._id)).toMatchObject({ state: 'PENDING', stateText: '开具中' });
      expect(await t.call('receipts', { action: 'download', receiptId: first._id }, { openid: student.openid })).toMatchObject({
        ok: false,
        code: 'RECEIPT_NOT_READY',
      });

      // Storage is back; the timer trigger sweeps.
      api.uploadFile = upload;
      const report = await timer();
      expect(report.completed).toBe(2);
      expect(report.failed).toBe(0);
      const done = await receipts().find({ orderId: collectionIn([first._id, second._id]) }, { orderBy: [['sequence', 'asc']] });
      expect(done.map((r) => [r.status, r.sequence])).toEqual([
        ['ISSUED', before + 1],
        ['ISSUED', before + 2],
      ]);
      expect(await counterValue()).toBe(before + 2);
    });

    it('a paid order whose issue call failed is issued by the timer, with the next number', async () => {
      // The payment code's call fails: receipts are not configured yet.
      const secret = process.env.RECEIPT_CHECK_SECRET;
      delete process.env.RECEIPT_CHECK_SECRET;
      const before = await counterValue();
      let order: OrderDoc;
      try {
        order = await payThroughFlow(t.cloud, student);
        expect(await receipts().count({ orderId: order._id })).toBe(0);
        const failedSweep = await timer();
        expect(failedSweep.failed).toBeGreaterThanOrEqual(1);
        expect(await receipts().count({ orderId: order._id })).toBe(0);
        expect(await counterValue()).toBe(before);
      } finally {
        process.env.RECEIPT_CHECK_SECRET = secret;
      }
      const report = await timer();
      expect(report).toMatchObject({ issued: 1, failed: 0 });
      expect(await receipts().findById(order._id)).toMatchObject({ status: 'ISSUED', sequence: before + 1 });
    });
  });

  describe('the sweep at scale', () => {
    it('with more than 2,000 paid orders already receipted, a new paid order without a receipt still gets one', async () => {
      const at = t.cloud.clock.now();
      const bulk = await insertStudentWithSession(db(), at, { name: '批量' });
      // 2,100 paid orders of the last hour, receipted (as issuing leaves them: the receipt exists and
      // the order is marked), and the sweep's state as a run that had seen all of them left it.
      const ids = await insertPaidOrdersInBulk(db(), bulk, 2100, at, { receiptState: 'ISSUED' });
      await insertReceiptsInBulk(ids, bulk);
      const cursors = collection(db(), 'sweepCursors');
      await cursors.removeById('receipt-sweep');
      await cursors.insert({ _id: 'receipt-sweep', afterOrderId: '', updatedAt: at });
      t.cloud.clock.advance(60_000);

      const fresh = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
      const before = await counterValue();
      const report = ok<ReceiptSweepReport>(await issueMissingAsCron(t.cloud));
      expect(report).toMatchObject({ issued: 1, failed: 0 });
      expect(report.scanned).toBeLessThan(50);
      expect(await receipts().findById(fresh._id)).toMatchObject({ status: 'ISSUED', sequence: before + 1 });
    });

    it('marks orders receipted before the mark existed, without a second receipt', async () => {
      const legacy = await insertStudentWithSession(db(), t.cloud.clock.now());
      const ids = await insertPaidOrdersInBulk(db(), legacy, 3, t.cloud.clock.now());
      await insertReceiptsInBulk(ids, legacy);
      const before = await counterValue();
      const report = ok<ReceiptSweepReport>(await issueMissingAsCron(t.cloud));
      expect(report).toMatchObject({ issued: 0, failed: 0 });
      expect((await orders().find({ _id: collectionIn(ids) })).map((order) => order.receiptState)).toEqual(['ISSUED', 'ISSUED', 'ISSUED']);
      expect(await counterValue()).toBe(before);
    });

    it('orders that keep failing do not hold back the ones after them', async () => {
      const at = t.cloud.clock.now();
      const ghost = { studentId: 'stu-missing-record', openid: 'o-ghost', studentNo: 'X', name: 'X', idMasked: '', email: null };
      // Five orders whose student record is gone (they fail every time), before a good one.
      const failing = await insertPaidOrdersInBulk(db(), ghost, 5, at, {}, '0000fail');
      const good = await insertPaidOrderDirectly(db(), student, at);
      expect(failing.every((id) => id < good._id)).toBe(true);
      try {
        // One document a run: the first runs spend it on failing orders, a later one reaches the good order.
        const reports: ReceiptSweepReport[] = [];
        for (let run = 0; run < 8 && !(await receipts().findById(good._id)); run += 1) reports.push(ok<ReceiptSweepReport>(await issueMissingAsCron(t.cloud, 1)));
        expect(await receipts().findById(good._id)).toMatchObject({ status: 'ISSUED' });
        expect(reports.length).toBeLessThanOrEqual(7);
      } finally {
        // Retire them so later sweeps in this file are not reporting them.
        await orders().updateWhere({ _id: collectionIn(failing) }, { status: 'CLOSED' });
      }
    });
  });

  describe('a student sees only their own receipts', () => {
    let other: FixtureStudent;
    let mine: string;

    beforeAll(async () => {
      other = await insertStudentWithSession(db(), t.cloud.clock.now(), { name: '王㛃' });
      mine = (await payThroughFlow(t.cloud, student))._id;
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
      const newest = await payThroughFlow(t.cloud, student, { lines: [{ itemCode: 'JCF', itemName: '教材费', amount: 45050 }] });
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
      const order = await payThroughFlow(t.cloud, student);
      const issued = (await receipts().findById(order._id))!;
      const voided = ok<ReceiptVoided>(await voidAsRefundCode(t.cloud, order._id, '学生退学退费'));
      expect(voided).toEqual({ receiptId: order._id, receiptNo: issued.receiptNo, state: 'VOIDED', changed: true });
      expect(ok<ReceiptVoided>(await voidAsRefundCode(t.cloud, order._id))).toMatchObject({ changed: false, state: 'VOIDED' });

      const stored = await receipts().findById(order._id);
      expect(stored).toMatchObject({ status: 'VOIDED', voidReason: '学生退学退费', pdfVersion: 'VOIDED' });
      expect(stored!.pdfFileID).toMatch(RANDOM_PATH);
      expect(stored!.pdfFileID).toMatch(/-voided\.pdf$/);
      expect((await orders().findById(order._id))!.receiptState).toBe('VOIDED');

      const list = ok<ReceiptList>(await t.call('receipts', { action: 'list' }, { openid: student.openid }));
      expect(list.items.find((item) => item.receiptId === order._id)).toMatchObject({ state: 'VOIDED', stateText: '已冲红' });
      expect(await t.call('receipts', { action: 'sendEmail', receiptId: order._id }, { openid: student.openid })).toMatchObject({
        ok: false,
        code: 'RECEIPT_VOIDED',
      });
      // The number is not reused: the next receipt gets the next one.
      const next = await payThroughFlow(t.cloud, student);
      expect((await receipts().findById(next._id))!.sequence).toBe(issued.sequence + 1);
      expect(await voidAsRefundCode(t.cloud, 'ord-without-receipt')).toMatchObject({ ok: false, code: 'RECEIPT_NOT_FOUND' });
    });

    it('a void that comes before the receipt is remembered: the order is never receipted afterwards', async () => {
      // Direct write: the payment's follow-up (the issue call) must not have run yet.
      const order = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
      const before = await counterValue();
      expect(ok<ReceiptVoided>(await voidAsRefundCode(t.cloud, order._id, '退款'))).toEqual({ receiptId: order._id, receiptNo: null, state: 'VOIDED', changed: true });
      expect(ok<ReceiptVoided>(await voidAsRefundCode(t.cloud, order._id, '退款'))).toMatchObject({ receiptNo: null, changed: false });
      expect(await issueAsPaymentCode(t.cloud, order._id)).toMatchObject({ ok: false, code: 'RECEIPT_ORDER_REFUNDED' });
      ok(await issueMissingAsCron(t.cloud));
      await timer();
      expect(await receipts().count({ orderId: order._id })).toBe(0);
      expect(await counterValue()).toBe(before);
    });

    it('a void racing the issue: whichever comes first, no issued receipt is left and the numbers stay without gaps', async () => {
      const at = t.cloud.clock.now();
      const made = [];
      for (let i = 0; i < 12; i += 1) made.push(await insertPaidOrderDirectly(db(), student, at));
      const before = await counterValue();
      await Promise.all(made.map((order) => Promise.all([issueAsPaymentCode(t.cloud, order._id), voidAsRefundCode(t.cloud, order._id, '退款')])));
      const left = await receipts().find({ orderId: collectionIn(made.map((order) => order._id)) });
      expect(left.every((receipt) => receipt.status === 'VOIDED')).toBe(true);
      expect((await orders().find({ _id: collectionIn(made.map((order) => order._id)) })).map((order) => order.receiptState)).toEqual(made.map(() => 'VOIDED'));
      // Numbers a voided receipt took stay taken; nothing is skipped.
      expect(await counterValue()).toBe(before + left.length);
      expect(left.map((receipt) => receipt.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: left.length }, (_, i) => before + 1 + i));
      await timer();
      expect((await receipts().find({ orderId: collectionIn(made.map((order) => order._id)) })).every((receipt) => receipt.status === 'VOIDED')).toBe(true);
    });

    it('a refund that lands without a void (or races the issue) still ends with the receipt 已冲红, by the timer', async () => {
      const order = await payThroughFlow(t.cloud, student);
      expect((await receipts().findById(order._id))!.status).toBe('ISSUED');
      // The order is refunded as the payment code records it; nobody called void.
      await orders().updateWhere({ _id: order._id }, { status: 'REFUNDED' });
      const report = await timer();
      expect(report.voided).toBe(1);
      expect(await receipts().findById(order._id)).toMatchObject({ status: 'VOIDED', voidReason: '订单已退款', pdfVersion: 'VOIDED' });
      expect((await orders().findById(order._id))!.receiptState).toBe('VOIDED');
      expect((await timer()).voided).toBe(0);
    });
  });

  describe('verification (what the QR code leads to)', () => {
    const verify = async (receipt: ReceiptDoc, checkCode = receipt.checkCode) =>
      ok<ReceiptVerification>(await t.call('receipts', { action: 'verify', receiptCode: receipt.receiptCode, receiptNo: receipt.receiptNo, checkCode }, { openid: 'openid-verifier' }));

    it('confirms a genuine receipt to anyone (not signed in), and rejects a wrong check code', async () => {
      const order = await payThroughFlow(t.cloud, student);
      const receipt = (await receipts().findById(order._id))!;
      expect(await verify(receipt)).toMatchObject({ valid: true, state: 'ISSUED', total: 440000, payerName: '刘*玥' });
      expect(await verify(receipt, receipt.checkCode === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA')).toEqual({ valid: false });
    });

    it('keeps receipts made with an earlier key verifiable after the key is rotated', async () => {
      const old = (await receipts().findById((await payThroughFlow(t.cloud, student))._id))!;
      expect(old.checkKeyId).toBe('k1');
      const oldSecret = process.env.RECEIPT_CHECK_SECRET!;
      try {
        // Rotation: a new key with a new id; the old one listed as previous.
        process.env.RECEIPT_CHECK_SECRET = 'rotated-receipt-check-secret-2026';
        process.env.RECEIPT_CHECK_KEY_ID = 'k2';
        process.env.RECEIPT_CHECK_SECRET_PREVIOUS = `k1:${oldSecret}`;
        const fresh = (await receipts().findById((await payThroughFlow(t.cloud, student))._id))!;
        expect(fresh.checkKeyId).toBe('k2');
        expect(await verify(old)).toMatchObject({ valid: true, state: 'ISSUED' });
        expect(await verify(fresh)).toMatchObject({ valid: true, state: 'ISSUED' });
        // Without the previous key, the old receipt no longer verifies (the key id really selects the key).
        delete process.env.RECEIPT_CHECK_SECRET_PREVIOUS;
        expect(await verify(old)).toEqual({ valid: false });
        expect(await verify(fresh)).toMatchObject({ valid: true });
      } finally {
        process.env.RECEIPT_CHECK_SECRET = oldSecret;
        delete process.env.RECEIPT_CHECK_KEY_ID;
        delete process.env.RECEIPT_CHECK_SECRET_PREVIOUS;
      }
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

  /** Minimal receipts of other orders, under another 票据代码 (numbers of their own). */
  async function insertReceiptsInBulk(orderIds: string[], owner: FixtureStudent): Promise<void> {
    const at = t.cloud.clock.now();
    const raw = (db() as unknown as { collection(name: string): { add(options: { data: unknown[] }): Promise<unknown> } }).collection('receipts');
    const code = `9${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    for (let start = 0; start < orderIds.length; start += 500) {
      await raw.add({
        data: orderIds.slice(start, start + 500).map((orderId, i) => ({
          _id: orderId,
          orderId,
          studentId: owner.studentId,
          studentNo: owner.studentNo,
          status: 'ISSUED',
          receiptCode: code,
          receiptNo: String(start + i + 1).padStart(10, '0'),
          sequence: start + i + 1,
          issuedAt: at,
        })),
      });
    }
  }
});

/** `{ $in: [...] }` through the SDK's command, for a test query. */
function collectionIn(values: string[]): unknown {
  return (cloudSdk as unknown as WxCloud).database().command.in(values);
}
