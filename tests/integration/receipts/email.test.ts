/**
 * Receipts by email, checked by reading what a local SMTP server received: the message, its
 * Chinese subject and the PDF attached, byte for byte the stored receipt.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import cloudSdk from 'wx-server-sdk';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { ReceiptEmailSent, ReceiptIssued } from '../../../cloudfunctions/shared/contracts/receipts';
import { collection } from '../../../cloudfunctions/shared/runtime';
import type { ReceiptDoc } from '../../../cloudfunctions/shared/domain/receipt';
import type { ReceivedMail } from '../../../local/mail';
import {
  insertPaidOrderDirectly,
  insertStudentWithSession,
  issueAsPaymentCode,
  startReceiptsTestCloud,
  type FixtureStudent,
} from '../../support/receipt-fixtures';
import { pdfText, requirePoppler } from './pdf-reading';

jest.setTimeout(60_000);

type TestCloud = Awaited<ReturnType<typeof startReceiptsTestCloud>>;

const ok = <T>(result: unknown): T => {
  const r = result as ApiResult<T>;
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`);
  return r.data;
};

describe('receipts: email', () => {
  let t: TestCloud;
  let student: FixtureStudent;
  const db = () => t.cloud.sdkDatabase();
  const storedPdf = async (receiptId: string): Promise<Buffer> => {
    const receipt = await collection<ReceiptDoc>(db(), 'receipts').findById(receiptId);
    return Buffer.from((await cloudSdk.downloadFile({ fileID: receipt!.pdfFileID! })).fileContent as Buffer);
  };
  const mailTo = (address: string, after = 0) => (mail: ReceivedMail) =>
    mail.to.includes(address) && t.mailServer.received.indexOf(mail) >= after;

  beforeAll(async () => {
    requirePoppler();
    t = await startReceiptsTestCloud({ startAt: new Date('2026-03-01T01:00:00Z') });
    student = await insertStudentWithSession(db(), t.cloud.clock.now(), { name: '王㛃', email: 'wangjie@example.edu.cn' });
  });

  afterAll(async () => {
    await t.stop();
  });

  it('emails the receipt to the order’s address once it is issued — once, however often issuing runs', async () => {
    const order = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now());
    const issued = ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, order._id));
    await Promise.all([issueAsPaymentCode(t.cloud, order._id), issueAsPaymentCode(t.cloud, order._id)]);

    const received = await t.mailServer.waitFor(mailTo('wangjie@example.edu.cn'));
    const mail: ParsedMail = await simpleParser(received.raw);
    expect(mail.subject).toBe(`【智慧缴费】电子票据 ${issued.receiptNo}`);
    expect(mail.from?.text).toContain('智慧缴费');
    expect(mail.text).toContain('王* 同学');
    expect(mail.text).toContain('金额合计：¥4,400.00（肆仟肆佰元整）');
    expect(mail.attachments).toHaveLength(1);
    const attachment = mail.attachments[0]!;
    expect(attachment.filename).toBe(`电子票据-${issued.receiptNo}.pdf`);
    expect(attachment.contentType).toBe('application/pdf');
    expect(attachment.content.equals(await storedPdf(order._id))).toBe(true);
    const text = pdfText(attachment.content);
    expect(text).toContain('交款人：王㛃');
    expect(text).toContain(`票据号码：${issued.receiptNo}`);

    // Only one, although issuing ran three times.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(t.mailServer.received.filter((m) => m.to.includes('wangjie@example.edu.cn'))).toHaveLength(1);
  });

  describe('发送到邮箱', () => {
    let receiptId: string;
    let receiptNo: string;

    beforeAll(async () => {
      const order = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now(), { lines: [{ itemCode: 'JCF', itemName: '教材费', amount: 45050 }] });
      ({ receiptId, receiptNo } = ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, order._id)));
    });

    it('sends it to the address the student types, with the PDF attached', async () => {
      const before = t.mailServer.received.length;
      const sent = ok<ReceiptEmailSent>(await t.call('receipts', { action: 'sendEmail', receiptId, email: ' Typed.Address@Example.ORG ' }, { openid: student.openid }));
      expect(sent).toEqual({ sentTo: 'Ty***@example.org' });
      const received = await t.mailServer.waitFor(mailTo('Typed.Address@example.org', before));
      const mail = await simpleParser(received.raw);
      expect(mail.subject).toBe(`【智慧缴费】电子票据 ${receiptNo}`);
      expect(mail.attachments[0]!.content.equals(await storedPdf(receiptId))).toBe(true);
      expect(pdfText(mail.attachments[0]!.content)).toContain('肆佰伍拾元伍角整');
    });

    it('sends it to the order’s address when none is typed', async () => {
      const before = t.mailServer.received.length;
      expect(ok<ReceiptEmailSent>(await t.call('receipts', { action: 'sendEmail', receiptId }, { openid: student.openid }))).toEqual({
        sentTo: 'wa***@example.edu.cn',
      });
      await t.mailServer.waitFor(mailTo('wangjie@example.edu.cn', before));
    });

    it('refuses a bad address and sends nothing', async () => {
      const before = t.mailServer.received.length;
      for (const email of ['not-an-address', 'a@b', '张三@', 'a@example.com; b@example.com']) {
        expect(await t.call('receipts', { action: 'sendEmail', receiptId, email }, { openid: student.openid })).toMatchObject({
          ok: false,
          code: 'RECEIPT_EMAIL_INVALID',
          message: '邮箱地址格式不正确',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(t.mailServer.received.length).toBe(before);
    });

    it('asks for an address when the order had none', async () => {
      const noEmail = await insertStudentWithSession(db(), t.cloud.clock.now(), { email: null });
      const order = await insertPaidOrderDirectly(db(), noEmail, t.cloud.clock.now(), { email: '' });
      const { receiptId: id } = ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, order._id));
      expect(await t.call('receipts', { action: 'sendEmail', receiptId: id }, { openid: noEmail.openid })).toMatchObject({
        ok: false,
        code: 'RECEIPT_EMAIL_REQUIRED',
      });
    });

    it('allows five sends of a receipt a day', async () => {
      const order = await insertPaidOrderDirectly(db(), student, t.cloud.clock.now(), { email: '' });
      const { receiptId: id } = ok<ReceiptIssued>(await issueAsPaymentCode(t.cloud, order._id));
      for (let i = 0; i < 5; i += 1) ok(await t.call('receipts', { action: 'sendEmail', receiptId: id, email: 'limit@example.com' }, { openid: student.openid }));
      expect(await t.call('receipts', { action: 'sendEmail', receiptId: id, email: 'limit@example.com' }, { openid: student.openid })).toMatchObject({
        ok: false,
        code: 'RECEIPT_EMAIL_LIMIT',
      });
      t.cloud.clock.advance(16 * 3_600_000); // the next day in Asia/Shanghai
      ok(await t.call('receipts', { action: 'sendEmail', receiptId: id, email: 'limit@example.com' }, { openid: student.openid }));
    });

    it('says so when email is not set up, or the mail server is unreachable', async () => {
      const { SMTP_HOST: host, SMTP_PORT: port } = process.env;
      try {
        delete process.env.SMTP_HOST;
        expect(await t.call('receipts', { action: 'sendEmail', receiptId }, { openid: student.openid })).toMatchObject({
          ok: false,
          code: 'RECEIPT_EMAIL_UNAVAILABLE',
        });
        process.env.SMTP_HOST = '127.0.0.1';
        process.env.SMTP_PORT = '1'; // nothing listens there
        expect(await t.call('receipts', { action: 'sendEmail', receiptId }, { openid: student.openid })).toMatchObject({
          ok: false,
          code: 'RECEIPT_EMAIL_FAILED',
        });
      } finally {
        process.env.SMTP_HOST = host;
        process.env.SMTP_PORT = port;
      }
    });
  });
});
