/**
 * A mail server that refuses a recipient quotes the address back (550 5.1.1 <…>: Recipient address
 * rejected). Neither the logs nor the stored record of the email keep it: the address is masked
 * wherever an error text goes, and a refused address is not tried again for hours.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { isReceiptEmail } from '../../../cloudfunctions/shared/receipts/mailing';
import { fireReceiptsTimer, insertStudentWithSession, payThroughFlow, startReceiptsTestCloud } from '../../support/receipt-fixtures';

jest.setTimeout(60_000);

type TestCloud = Awaited<ReturnType<typeof startReceiptsTestCloud>>;

/** An SMTP server on 127.0.0.1 that knows no mailbox: every recipient is refused as a real one would. */
async function startRefusingMailServer(): Promise<{ port: number; refused: string[]; close(): Promise<void> }> {
  const refused: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      refused.push(address.address);
      callback(Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown in virtual mailbox table`), { responseCode: 550 }));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('receipts: a recipient the mail server refuses', () => {
  let t: TestCloud;
  let refusing: Awaited<ReturnType<typeof startRefusingMailServer>>;
  let localPort: string | undefined;
  const db = () => t.cloud.sdkDatabase();
  const messagesOf = async (receiptId: string) => (await collection(db(), 'messages').find({ receiptId })).map((m) => JSON.stringify(m));
  /** Every place the address could have been written to: the log lines and the stored email records. */
  const leaksOf = async (address: string, receiptId: string) => [...t.logs, ...(await messagesOf(receiptId))].filter((text) => text.toLowerCase().includes(address));

  beforeAll(async () => {
    t = await startReceiptsTestCloud({ startAt: new Date('2026-03-01T01:00:00Z') });
    refusing = await startRefusingMailServer();
    localPort = process.env.SMTP_PORT;
    process.env.SMTP_PORT = String(refusing.port);
  });

  afterAll(async () => {
    process.env.SMTP_PORT = localPort;
    await refusing.close();
    await t.stop();
  });

  it('发送到邮箱: the student hears it failed; logs and the stored error show the address masked', async () => {
    const student = await insertStudentWithSession(db(), t.cloud.clock.now(), { name: '张三', email: null });
    const order = await payThroughFlow(t.cloud, student, { email: 'receipts.zhang@example.com' });
    const address = 'zhang.san+fees@example.com';
    const answer = await t.call<ApiResult<unknown>>('receipts', { action: 'sendEmail', receiptId: order._id, email: address }, { openid: student.openid });
    expect(answer).toMatchObject({ ok: false, code: 'RECEIPT_EMAIL_FAILED' });
    expect(refusing.refused).toContain(address);

    const [failed] = (await collection(db(), 'messages').find({ receiptId: order._id, trigger: 'student' })).filter(isReceiptEmail);
    expect(failed).toMatchObject({ status: 'FAILED', to: null, toMasked: 'zh***@example.com' });
    expect(failed!.lastError).toContain('550 5.1.1 <zh***@example.com>: Recipient address rejected');
    expect(t.logs.some((line) => line.includes('receipt email failed') && line.includes('zh***@example.com'))).toBe(true);
    expect(await leaksOf(address, order._id)).toEqual([]);
  });

  it('the automatic email: refused once, given up at once, the address kept nowhere', async () => {
    const address = 'li.si@example.com';
    const student = await insertStudentWithSession(db(), t.cloud.clock.now(), { name: '李四', email: address });
    const order = await payThroughFlow(t.cloud, student);
    await fireReceiptsTimer(t.cloud);
    expect(refusing.refused).toContain(address);

    const [issued] = (await collection(db(), 'messages').find({ _id: `receipt-mail:${order._id}:issued` })).filter(isReceiptEmail);
    expect(issued).toMatchObject({ status: 'GAVE_UP', attempts: 1, to: null, nextAttemptAt: null, toMasked: 'li***@example.com' });
    expect(issued!.lastError).toContain('550 5.1.1 <li***@example.com>');
    expect(await leaksOf(address, order._id)).toEqual([]);
  });
});
