/**
 * 查验 (what the QR code on a receipt leads to), as a bank clerk or an attacker uses it: genuine
 * receipts verify — those issued before the unbiased check code too — and one WeChat account
 * cannot try check codes at speed.
 */
import { createHmac } from 'node:crypto';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { ReceiptVerification } from '../../../cloudfunctions/shared/receipts/contract';
import { collection, commands } from '../../../cloudfunctions/shared/runtime';
import { CURRENT_CHECK_CODE_SCHEME, deriveCheckCode, type ReceiptDoc } from '../../../cloudfunctions/shared/receipts/domain/receipt';
import { insertStudentWithSession, payThroughFlow, startReceiptsTestCloud, type FixtureStudent } from '../../support/receipt-fixtures';

jest.setTimeout(60_000);

type TestCloud = Awaited<ReturnType<typeof startReceiptsTestCloud>>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('receipts: verification', () => {
  let t: TestCloud;
  let student: FixtureStudent;
  let receipt: ReceiptDoc;
  let serial = 0;
  const db = () => t.cloud.sdkDatabase();
  const receipts = () => collection(db(), 'receipts');
  const newVerifier = () => `openid-verifier-${(serial += 1)}`;
  const verifyAs = (openid: string, of: ReceiptDoc = receipt, checkCode = of.checkCode) =>
    t.call<ApiResult<ReceiptVerification>>('receipts', { action: 'verify', receiptCode: of.receiptCode, receiptNo: of.receiptNo, checkCode }, { openid });
  /** To 1 s past the start of the next whole `unit` (minute or hour) on the cloud's clock. */
  const toNext = (unit: number) => t.cloud.clock.advance(unit - (t.cloud.clock.nowMs() % unit) + 1000);

  beforeAll(async () => {
    t = await startReceiptsTestCloud({ startAt: new Date('2026-03-01T01:00:00Z') });
    student = await insertStudentWithSession(db(), t.cloud.clock.now(), { name: '孙丽' });
    receipt = (await receipts().findById((await payThroughFlow(t.cloud, student))._id))!;
  });

  afterAll(async () => {
    await t.stop();
  });

  describe('check codes', () => {
    it('a new receipt carries the unbiased check code, and verifies', async () => {
      expect(receipt.checkCodeScheme).toBe(CURRENT_CHECK_CODE_SCHEME);
      expect(await verifyAs(newVerifier())).toMatchObject({ ok: true, data: { valid: true, state: 'ISSUED', payerName: '孙*' } });
    });

    it('a receipt issued before it keeps its printed code valid, and only that one', async () => {
      const older = (await receipts().findById((await payThroughFlow(t.cloud, student))._id))!;
      // As such a receipt is stored: its code from the first mapping, no scheme recorded.
      const key = (text: string) => createHmac('sha256', process.env.RECEIPT_CHECK_SECRET!).update(text).digest();
      const printed = deriveCheckCode({ ...older, checkCodeScheme: undefined }, key);
      await receipts().updateById(older._id, { checkCode: printed, checkCodeScheme: commands(db()).remove() });
      const stored = (await receipts().findById(older._id))!;
      expect(stored.checkCodeScheme).toBeUndefined();
      const verifier = newVerifier();
      expect(await verifyAs(verifier, stored)).toMatchObject({ ok: true, data: { valid: true } });
      if (older.checkCode !== printed) expect(await verifyAs(verifier, stored, older.checkCode)).toEqual({ ok: true, data: { valid: false } });
    });
  });

  describe('throttle', () => {
    it('allows 20 verifications a minute per WeChat account, then says how long to wait', async () => {
      const clerk = newVerifier();
      toNext(MINUTE);
      for (let i = 0; i < 20; i += 1) expect(await verifyAs(clerk)).toMatchObject({ ok: true, data: { valid: true } });
      const refused = await verifyAs(clerk);
      expect(refused).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
      if (refused.ok) return;
      expect(refused.message).toMatch(/^查验过于频繁，请 \d+ 秒后再试$/);
      const wait = Number(refused.details?.retryAfterSeconds);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(60);
      // Wrong guesses count the same, and another WeChat account is not held up.
      expect(await verifyAs(clerk, receipt, 'AAAAAA')).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
      expect(await verifyAs(newVerifier())).toMatchObject({ ok: true, data: { valid: true } });
      t.cloud.clock.advance(wait * 1000);
      expect(await verifyAs(clerk)).toMatchObject({ ok: true, data: { valid: true } });
    });

    it('allows 200 an hour, however they are spread over the minutes', async () => {
      const clerk = newVerifier();
      toNext(HOUR);
      for (let minute = 0; minute < 10; minute += 1) {
        for (let i = 0; i < 20; i += 1) expect(await verifyAs(clerk)).toMatchObject({ ok: true });
        t.cloud.clock.advance(MINUTE);
      }
      const refused = await verifyAs(clerk);
      expect(refused).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
      if (refused.ok) return;
      expect(refused.message).toMatch(/^查验过于频繁，请 (49|50) 分钟后再试$/);
      toNext(HOUR);
      expect(await verifyAs(clerk)).toMatchObject({ ok: true, data: { valid: true } });
    });

    it('lets no more than 20 through when they arrive at once (as several instances would serve them)', async () => {
      const clerk = newVerifier();
      toNext(MINUTE);
      const answers = await Promise.all(Array.from({ length: 30 }, () => verifyAs(clerk)));
      expect(answers.filter((answer) => answer.ok)).toHaveLength(20);
      expect(answers.filter((answer) => !answer.ok && answer.code === 'RATE_LIMITED')).toHaveLength(10);
    });
  });
});
