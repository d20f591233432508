/**
 * Paid orders and the calls around receipts, for the receipts tests.
 *
 * Paid orders come from the real payment flow wherever a test pays for one or a few:
 * `payThroughFlow` creates the bills, pays them as the student (pay.create → the cloudPay sandbox →
 * payNotify), and payNotify has the receipt issued, exactly as in production.
 *
 * Direct writes (`insertPaidOrderDirectly`) stay for what the flow cannot make, or not quickly:
 * thousands of paid orders at once (`insertPaidOrdersInBulk`: the sweep's scale test), 100 orders
 * issued concurrently (numbering), an order without an email address (pay.create requires one),
 * an order whose issue call must be made by hand (refused, raced with a refund). Those tests then
 * call the receipts function the way the payment code does (`issue`, from another function).
 */
import { randomBytes } from 'node:crypto';
import type { LocalCloud } from '../../local/cloud';
import { developmentFontFile, installLocalMail, type LocalMail } from '../../local/receipts';
import type { LocalMailServer } from '../../local/smtp';
import type { FixtureStudent } from '../../local/seed/paid-orders';
import type { OrderDoc } from '../../cloudfunctions/shared/billing/domain/records';
import type { Database } from '../../cloudfunctions/shared/runtime';
import { startTestCloud, type TestCloud } from './local-cloud';

export { issueAsPaymentCode, issueMissingAsCron, voidAsRefundCode } from './internal-calls';
export {
  insertPaidOrderDirectly,
  insertStudentWithSession,
  payThroughFlow,
  TUITION_LINES,
  type FixtureLine,
  type FixtureStudent,
} from '../../local/seed/paid-orders';



/** The receipts function's own timer trigger (config.json): issue, 冲红, documents, the email outbox. */
export function fireReceiptsTimer<T = unknown>(cloud: LocalCloud): Promise<T> {
  return cloud.fireTimer('receipts', 'receiptsSweep') as Promise<T>;
}


/**
 * The receipts font for code that renders outside the local cloud (the PDF unit tests): the one
 * `npm run build` puts beside the function, else the development copy. The local cloud sets the
 * same itself.
 */
export function useDevelopmentFont(): void {
  if (!process.env.RECEIPT_FONT_FILE) process.env.RECEIPT_FONT_FILE = developmentFontFile();
}

/**
 * `count` paid orders of `student`, written in one database request each 500 (as the payment flow
 * leaves them; `receiptState` as given: 'ISSUED' for orders whose receipt exists). For the sweep's
 * scale test, which needs thousands in seconds.
 */
export async function insertPaidOrdersInBulk(
  db: Database,
  student: FixtureStudent,
  count: number,
  at: Date,
  fields: Partial<OrderDoc> = {},
  idPrefix = 'ordbulk',
): Promise<string[]> {
  const ids: string[] = [];
  const coll = (db as unknown as { collection(name: string): { add(options: { data: unknown[] }): Promise<unknown> } }).collection('orders');
  for (let start = 0; start < count; start += 500) {
    const batch: OrderDoc[] = [];
    for (let i = start; i < Math.min(count, start + 500); i += 1) {
      const id = `${idPrefix}${String(i).padStart(6, '0')}${randomBytes(3).toString('hex')}`;
      const paidAt = new Date(at.getTime() - (count - i) * 1000);
      batch.push({
        _id: id,
        outTradeNo: `ZHJFBULK${String(i).padStart(6, '0')}${randomBytes(4).toString('hex').toUpperCase()}`,
        studentId: student.studentId,
        studentNo: student.studentNo,
        payerOpenid: student.openid,
        billIds: [`billbulk${i}`],
        lines: [{ billId: `billbulk${i}`, term: '2026-2027-1', academicYear: '2026-2027', itemCode: 'XF', itemName: '学费', amount: 1000 as OrderDoc['total'] }],
        total: 1000 as OrderDoc['total'],
        status: 'PAID',
        email: '',
        createdAt: paidAt,
        expiresAt: new Date(paidAt.getTime() + 7_200_000),
        paidAt,
        transactionId: `4200bulk${String(i).padStart(16, '0')}`,
        ...fields,
      });
      ids.push(id);
    }
    await coll.add({ data: batch });
  }
  return ids;
}

/**
 * payNotify waits a few seconds for the receipt and then answers WeChat, leaving the issue to
 * finish on its own. A test that pays and then reads the receipt must not race that on a slow
 * machine, so the tests let it wait as long as it takes (PAY_RECEIPT_WAIT_MS, a setting of the
 * payment functions).
 */
export function waitForReceiptsWhilePaying(): void {
  if (!process.env.PAY_RECEIPT_WAIT_MS) process.env.PAY_RECEIPT_WAIT_MS = '60000';
}

/**
 * The in-process test cloud (with every sandbox: cloudPay, openapi, and what the local cloud adds
 * for receipts — its RECEIPT_* defaults and a local SMTP server).
 */
export async function startReceiptsTestCloud(options: { startAt?: Date } = {}): Promise<TestCloud & { mail: LocalMail; mailServer: LocalMailServer }> {
  waitForReceiptsWhilePaying();
  const test = await startTestCloud(options);
  const mail = installLocalMail(test.cloud, null);
  const mailServer = await mail.ready;
  if (!mailServer) throw new Error('SMTP_HOST is set in the environment: the receipts tests need the local SMTP server');
  return Object.assign(test, { mail, mailServer });
}
