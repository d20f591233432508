/**
 * Receipts by email, checked by reading what a local SMTP server received: the message, its
 * Chinese subject and the PDF attached, byte for byte the stored receipt. The automatic email is
 * queued when the receipt is issued and sent by the receipts timer (never while a payment waits),
 * retried after failures and after a run that died while sending; 发送到邮箱 is limited per
 * receipt and per student, and a failed send does not count.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import cloudSdk from 'wx-server-sdk';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { ReceiptEmailSent, ReceiptIssued, ReceiptSweepReport } from '../../../cloudfunctions/shared/receipts/contract';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { isReceiptEmail, MAX_EMAIL_ATTEMPTS, MAX_SENDS_PER_STUDENT_PER_DAY, STALE_SENDING_MS } from '../../../cloudfunctions/shared/receipts/mailing';
import type { ReceivedMail } from '../../../local/smtp';
import {
  fireReceiptsTimer,
  insertPaidOrderDirectly,
  insertStudentWithSession,
  payThroughFlow,
  startReceiptsTestCloud,
  type FixtureStudent,
} from '../../support/receipt-fixtures';
import { issueAsPaymentCode, voidAsRefundCode } from '../../support/internal-calls';
import { pdfText } from './pdf-reading';

jest.setTimeout(60_000);

type TestCloud = Awaited<ReturnType<typeof startReceiptsTestCloud>>;

const ok = <T>(result: unknown): T => {
  const r = result as ApiResult<T>;
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`);
  return r.data;
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('receipts: email', () => {
  let t: TestCloud;
  const db = () => t.cloud.sdkDatabase();
  const messages = () => collection(db(), 'messages');
  const storedPdf = async (receiptId: string): Promise<Buffer> => {
    const receipt = await collection(db(), 'receipts').findById(receiptId);
    return Buffer.from((await cloudSdk.downloadFile({ fileID: receipt!.pdfFileID! })).fileContent as Buffer);
  };
  const receivedBy = (address: string) => t.mailServer.received.filter((m) => m.to.includes(address));
  const mailTo = (address: string, after = 0) => (mail: ReceivedMail) =>
    mail.to.includes(address) && t.mailServer.received.indexOf(mail) >= after;
  const timer = async () => ok<ReceiptSweepReport>(await fireReceiptsTimer(t.cloud));
  const issuedMessage = async (receiptId: string) => (await messages().find({ _id: `receipt-mail:${receiptId}:issued` })).filter(isReceiptEmail)[0]!;
  const student = (name: string, email: string) => insertStudentWithSession(db(), t.cloud.clock.now(), { name, email });
  /** To just after the next midnight in Asia/Shanghai (less than a day: sessions stay valid). */
  const nextShanghaiDay = () => {
    const day = 24 * 3_600_000;
    const shanghai = t.cloud.clock.nowMs() + 8 * 3_600_000;
    t.cloud.clock.advance(day - (shanghai % day) + 60_000);
  };

  /** SMTP points at a port where nothing listens while `run` runs. */
  async function withMailServerDown<T>(run: () => Promise<T>): Promise<T> {
    const port = process.env.SMTP_PORT;
    process.env.SMTP_PORT = '1';
    try {
      return await run();
    } finally {
      process.env.SMTP_PORT = port;
    }
  }

  beforeAll(async () => {
    t = await startReceiptsTestCloud({ startAt: new Date('2026-03-01T01:00:00Z') });
  });

  afterAll(async () => {
    await t.stop();
  });

  describe('the automatic email', () => {
    it('is queued when paying issues the receipt, and the timer sends it once, with the PDF attached', async () => {
      const payer = await student('王㛃', 'wangjie@example.edu.cn');
      const order = await payThroughFlow(t.cloud, payer, { duplicates: 2 });
      // Paying (and its repeated callbacks) sent nothing: the email waits in the outbox.
      await pause(100);
      expect(receivedBy('wangjie@example.edu.cn')).toHaveLength(0);
      expect(await issuedMessage(order._id)).toMatchObject({ status: 'PENDING', attempts: 0, toMasked: 'wa***@example.edu.cn' });

      const report = await timer();
      expect(report.emailed).toBe(1);
      const received = await t.mailServer.waitFor(mailTo('wangjie@example.edu.cn'));
      const receiptNo = (await collection(db(), 'receipts').findById(order._id))!.receiptNo;
      const mail: ParsedMail = await simpleParser(received.raw);
      expect(mail.subject).toBe(`【智慧缴费】电子票据 ${receiptNo}`);
      expect(mail.from?.text).toContain('智慧缴费');
      expect(mail.text).toContain('王* 同学');
      expect(mail.text).toContain('金额合计：¥4,400.00（肆仟肆佰元整）');
      expect(mail.attachments).toHaveLength(1);
      const attachment = mail.attachments[0]!;
      expect(attachment.filename).toBe(`电子票据-${receiptNo}.pdf`);
      expect(attachment.contentType).toBe('application/pdf');
      expect(attachment.content.equals(await storedPdf(order._id))).toBe(true);
      const text = pdfText(attachment.content);
      expect(text).toContain('交款人：王㛃');
      expect(text).toContain(`票据号码：${receiptNo}`);
      expect(await issuedMessage(order._id)).toMatchObject({ status: 'SENT', attempts: 1, to: null });

      // Only one, however often issuing and the timer run.
      await issueAsPaymentCode(t.cloud, order._id);
      expect((await timer()).emailed).toBe(0);
      await pause(100);
      expect(receivedBy('wangjie@example.edu.cn')).toHaveLength(1);
    });

    it('is retried after a failure, after a pause, until it goes', async () => {
      const payer = await student('李四', 'lisi@example.edu.cn');
      const order = await payThroughFlow(t.cloud, payer);
      await withMailServerDown(async () => {
        const report = await timer();
        expect(report).toMatchObject({ emailed: 0 });
        expect(report.failed).toBeGreaterThanOrEqual(1);
      });
      const failed = await issuedMessage(order._id);
      expect(failed).toMatchObject({ status: 'FAILED', attempts: 1 });
      expect(new Date(failed.nextAttemptAt!).getTime()).toBeGreaterThan(t.cloud.clock.nowMs());

      // Not before its pause is over.
      expect((await timer()).emailed).toBe(0);
      expect(receivedBy('lisi@example.edu.cn')).toHaveLength(0);
      t.cloud.clock.advance(new Date(failed.nextAttemptAt!).getTime() - t.cloud.clock.nowMs() + 1000);
      expect((await timer()).emailed).toBe(1);
      await t.mailServer.waitFor(mailTo('lisi@example.edu.cn'));
      expect(await issuedMessage(order._id)).toMatchObject({ status: 'SENT', attempts: 2 });
    });

    it('is sent again when the run sending it died (SENDING for longer than a run can last)', async () => {
      const payer = await student('赵五', 'zhaowu@example.edu.cn');
      const order = await payThroughFlow(t.cloud, payer);
      // A run claimed it and was killed before it could record anything.
      await messages().updateById(`receipt-mail:${order._id}:issued`, { status: 'SENDING', attempts: 1, claimedAt: t.cloud.clock.now() });
      expect((await timer()).emailed).toBe(0); // it may still be running
      t.cloud.clock.advance(STALE_SENDING_MS + 1000);
      expect((await timer()).emailed).toBe(1);
      await t.mailServer.waitFor(mailTo('zhaowu@example.edu.cn'));
      expect(await issuedMessage(order._id)).toMatchObject({ status: 'SENT', attempts: 2 });
    });

    it('gives up after a bounded number of attempts', async () => {
      const payer = await student('钱六', 'qianliu@example.edu.cn');
      const order = await payThroughFlow(t.cloud, payer);
      await messages().updateById(`receipt-mail:${order._id}:issued`, { attempts: MAX_EMAIL_ATTEMPTS - 1 });
      await withMailServerDown(() => timer());
      expect(await issuedMessage(order._id)).toMatchObject({ status: 'GAVE_UP', attempts: MAX_EMAIL_ATTEMPTS, nextAttemptAt: null, to: null });
      t.cloud.clock.advance(24 * 3_600_000);
      expect((await timer()).emailed).toBe(0);
      expect(receivedBy('qianliu@example.edu.cn')).toHaveLength(0);
    });

    it('is not sent for a receipt voided before it went out', async () => {
      const payer = await student('孙七', 'sunqi@example.edu.cn');
      const order = await payThroughFlow(t.cloud, payer);
      ok(await voidAsRefundCode(t.cloud, order._id));
      await timer();
      expect(await issuedMessage(order._id)).toMatchObject({ status: 'SKIPPED' });
      expect(receivedBy('sunqi@example.edu.cn')).toHaveLength(0);
    });
  });

  describe('发送到邮箱', () => {
    let payer: FixtureStudent;
    let receiptId: string;
    let receiptNo: string;

    beforeAll(async () => {
      payer = await student('周八', 'zhouba@example.edu.cn');
      const order = await payThroughFlow(t.cloud, payer, { lines: [{ itemCode: 'JCF', itemName: '教材费', amount: 45050 }] });
      receiptId = order._id;
      receiptNo = (await collection(db(), 'receipts').findById(order._id))!.receiptNo;
    });

    it('sends it to the address the student types, with the PDF attached', async () => {
      const before = t.mailServer.received.length;
      const sent = ok<ReceiptEmailSent>(await t.call('receipts', { action: 'sendEmail', receiptId, email: ' Typed.Address@Example.ORG ' }, { openid: payer.openid }));
      expect(sent).toEqual({ sentTo: 'Ty***@example.org' });
      const received = await t.mailServer.waitFor(mailTo('Typed.Address@example.org', before));
      const mail = await simpleParser(received.raw);
      expect(mail.subject).toBe(`【智慧缴费】电子票据 ${receiptNo}`);
      expect(mail.attachments[0]!.content.equals(await storedPdf(receiptId))).toBe(true);
      expect(pdfText(mail.attachments[0]!.content)).toContain('肆佰伍拾元伍角整');
    });

    it('sends it to the order’s address when none is typed', async () => {
      const before = t.mailServer.received.length;
      expect(ok<ReceiptEmailSent>(await t.call('receipts', { action: 'sendEmail', receiptId }, { openid: payer.openid }))).toEqual({
        sentTo: 'zh***@example.edu.cn',
      });
      await t.mailServer.waitFor(mailTo('zhouba@example.edu.cn', before));
    });

    it('refuses a bad address and sends nothing', async () => {
      const before = t.mailServer.received.length;
      for (const email of ['not-an-address', 'a@b', '张三@', 'a@example.com; b@example.com']) {
        expect(await t.call('receipts', { action: 'sendEmail', receiptId, email }, { openid: payer.openid })).toMatchObject({
          ok: false,
          code: 'RECEIPT_EMAIL_INVALID',
          message: '邮箱地址格式不正确',
        });
      }
      await pause(100);
      expect(t.mailServer.received.length).toBe(before);
    });

    it('asks for an address when the order had none', async () => {
      // Direct write: pay.create requires an address, so only an order from before that rule has none.
      const noEmail = await insertStudentWithSession(db(), t.cloud.clock.now(), { email: null });
      const order = await insertPaidOrderDirectly(db(), noEmail, t.cloud.clock.now(), { email: '' });
      const { receiptId: id } = ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, order._id));
      expect(await t.call('receipts', { action: 'sendEmail', receiptId: id }, { openid: noEmail.openid })).toMatchObject({
        ok: false,
        code: 'RECEIPT_EMAIL_REQUIRED',
      });
    });

    it('allows five sends of a receipt a day', async () => {
      const sender = await student('吴九', 'wujiu@example.edu.cn');
      const { _id: id } = await payThroughFlow(t.cloud, sender);
      for (let i = 0; i < 5; i += 1) ok(await t.call('receipts', { action: 'sendEmail', receiptId: id, email: 'limit@example.com' }, { openid: sender.openid }));
      expect(await t.call('receipts', { action: 'sendEmail', receiptId: id, email: 'limit@example.com' }, { openid: sender.openid })).toMatchObject({
        ok: false,
        code: 'RECEIPT_EMAIL_LIMIT',
      });
      nextShanghaiDay();
      ok(await t.call('receipts', { action: 'sendEmail', receiptId: id, email: 'limit@example.com' }, { openid: sender.openid }));
    });

    it(`allows ${MAX_SENDS_PER_STUDENT_PER_DAY} sends a day per student over all their receipts; failed sends do not count`, async () => {
      const sender = await student('郑十', 'zhengshi@example.edu.cn');
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) ids.push((await payThroughFlow(t.cloud, sender))._id);
      const send = (id: string) => t.call('receipts', { action: 'sendEmail', receiptId: id, email: 'quota@example.com' }, { openid: sender.openid });

      // The mail server is down: three failures, none of which uses up a send.
      await withMailServerDown(async () => {
        for (const id of ids) expect(await send(id)).toMatchObject({ ok: false, code: 'RECEIPT_EMAIL_FAILED' });
      });
      // Ten sends spread over the three receipts (at most five each).
      for (let i = 0; i < MAX_SENDS_PER_STUDENT_PER_DAY; i += 1) ok(await send(ids[i % 3]!));
      // The eleventh, on a receipt with sends of its own left, is refused for the student.
      expect(await send(ids[1]!)).toMatchObject({ ok: false, code: 'RECEIPT_EMAIL_DAILY_LIMIT', message: '今天发送票据邮件的次数已达上限，请明天再试' });
      // Another student is not affected.
      const other = await student('冯十一', 'feng@example.edu.cn');
      ok(await t.call('receipts', { action: 'sendEmail', receiptId: (await payThroughFlow(t.cloud, other))._id }, { openid: other.openid }));
      // The next day (Asia/Shanghai) the student may send again.
      nextShanghaiDay();
      ok(await send(ids[2]!));
    });

    it('says so when email is not set up, or the mail server is unreachable', async () => {
      const asker = await student('陈十二', 'chen@example.edu.cn');
      const { _id: id } = await payThroughFlow(t.cloud, asker);
      const { SMTP_HOST: host } = process.env;
      try {
        delete process.env.SMTP_HOST;
        expect(await t.call('receipts', { action: 'sendEmail', receiptId: id }, { openid: asker.openid })).toMatchObject({
          ok: false,
          code: 'RECEIPT_EMAIL_UNAVAILABLE',
        });
      } finally {
        process.env.SMTP_HOST = host;
      }
      await withMailServerDown(async () => {
        expect(await t.call('receipts', { action: 'sendEmail', receiptId: id }, { openid: asker.openid })).toMatchObject({
          ok: false,
          code: 'RECEIPT_EMAIL_FAILED',
        });
      });
    });
  });
});
