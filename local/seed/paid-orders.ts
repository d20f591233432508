/**
 * Paid orders for the receipts tests and the receipts sandbox of the local cloud (a test route for
 * the page tests) and the bench. Local cloud and tests only.
 *
 * - `payThroughFlow`: the real thing. Unpaid bills for the student, 立即支付 (pay.create as the
 *   student), the cloudPay sandbox pays it and delivers the callback to payNotify, which marks the
 *   order PAID and asks receipts to issue its receipt. What a student does, end to end.
 * - `insertPaidOrderDirectly`: an order written straight into the database as the payment flow
 *   leaves it, for what the flow cannot make quickly or at all: thousands of paid orders at once,
 *   an order without an email address (pay.create requires one), a refunded order.
 */
import { randomBytes } from 'node:crypto';
import { collection, type Database, type SessionDoc } from '../../cloudfunctions/shared/runtime';
import type { ApiResult } from '../../cloudfunctions/shared/contracts';
import type { PayStart } from '../../cloudfunctions/shared/billing/contract';
import { fen, sumFen, type Fen } from '../../cloudfunctions/shared/kernel/money';
import type {  OrderDoc, OrderLine } from '../../cloudfunctions/shared/billing/domain/records';
import type { StudentDoc } from '../../cloudfunctions/shared/students/domain/student';
import type { LocalCloud } from '../cloud';
import { cloudPaySandboxOf } from '../wechat-pay';

export interface FixtureStudent {
  studentId: string;
  openid: string;
  studentNo: string;
  name: string;
  idMasked: string;
  email: string | null;
}

const randomId = (prefix: string): string => `${prefix}${randomBytes(8).toString('hex')}`;

let studentCounter = 0;

/** A student record (as the sign-in work stores it) and a session for `openid`, valid for a day. */
export async function insertStudentWithSession(
  db: Database,
  at: Date,
  overrides: Partial<Pick<FixtureStudent, 'studentNo' | 'name' | 'idMasked' | 'email' | 'openid'>> = {},
): Promise<FixtureStudent> {
  studentCounter += 1;
  const studentId = randomId('stu');
  const student: FixtureStudent = {
    studentId,
    openid: overrides.openid ?? randomId('openid-'),
    studentNo: overrides.studentNo ?? `2026${String(studentCounter).padStart(4, '0')}${randomBytes(2).toString('hex').toUpperCase()}`.slice(0, 12),
    name: overrides.name ?? '张三',
    idMasked: overrides.idMasked ?? '3706**********123X',
    email: overrides.email === undefined ? 'student@example.edu.cn' : overrides.email,
  };
  const doc: StudentDoc = {
    _id: studentId,
    studentNo: student.studentNo,
    name: student.name,
    idHash: randomId('idhash-'),
    idMasked: student.idMasked,
    idRunHashes: [],
    college: '继续教育学院',
    major: '会计学',
    grade: '2026',
    className: '会计 2601',
    phoneHash: null,
    phoneMasked: null,
    phoneVerifiedAt: null,
    email: student.email,
    passwordHash: 'fixture-not-a-password-hash',
    mustChangePassword: false,
    setupCompletedAt: at,
    passwordChangedAt: at,
    boundOpenids: [student.openid],
    createdAt: at,
    updatedAt: at,
  };
  await collection(db, 'students').insert(doc);
  const session: SessionDoc = { _id: student.openid, studentId, createdAt: at, expiresAt: new Date(at.getTime() + 24 * 3_600_000), passwordVersion: 0 };
  await collection(db, 'sessions').insert(session);
  return student;
}

export interface FixtureLine {
  itemCode: string;
  itemName: string;
  amount: number;
}

export const TUITION_LINES: readonly FixtureLine[] = [
  { itemCode: 'XF', itemName: '学费', amount: 320000 },
  { itemCode: 'ZSF', itemName: '住宿费', amount: 120000 },
];

/**
 * An order in status PAID, as the payment flow leaves it (no bills: receipts read only the order).
 * `status` lets a test make an unpaid one.
 */
export async function insertPaidOrderDirectly(
  db: Database,
  student: FixtureStudent,
  at: Date,
  options: { lines?: readonly FixtureLine[]; email?: string; status?: OrderDoc['status']; paidAt?: Date } = {},
): Promise<OrderDoc> {
  const lines: OrderLine[] = (options.lines ?? TUITION_LINES).map((line) => ({
    billId: randomId('bill'),
    term: '2026-2027-1',
    academicYear: '2026-2027',
    itemCode: line.itemCode,
    itemName: line.itemName,
    amount: fen(line.amount),
  }));
  const status = options.status ?? 'PAID';
  const paid = status === 'PAID' || status === 'REFUNDING' || status === 'REFUNDED';
  const order: OrderDoc = {
    _id: randomId('ord'),
    outTradeNo: `ZHJF${randomBytes(10).toString('hex').toUpperCase()}`,
    studentId: student.studentId,
    studentNo: student.studentNo,
    payerOpenid: student.openid,
    billIds: lines.map((line) => line.billId),
    lines,
    total: sumFen(lines.map((line) => line.amount as Fen)),
    status,
    email: options.email ?? student.email ?? '',
    createdAt: at,
    expiresAt: new Date(at.getTime() + 2 * 3_600_000),
    paidAt: paid ? (options.paidAt ?? at) : null,
    transactionId: paid ? `4200${randomBytes(12).toString('hex').replace(/[a-f]/g, '7').slice(0, 24)}` : null,
  };
  await collection(db, 'orders').insert(order);
  return order;
}


export interface PayThroughFlowOptions {
  lines?: readonly FixtureLine[];
  /** The address typed on 立即支付 (default: the student's, else student@example.edu.cn). */
  email?: string;
  /** The payment's callback arrives 1 + duplicates times. */
  duplicates?: number;
}

/**
 * Pays for new bills through the real payment flow: bills as the admin import stores them, then
 * pay.create as the student (the server prices them), the cloudPay sandbox's pay sheet, and its
 * callback to payNotify, which marks the order PAID and has its receipt issued. Resolves once
 * every callback has been handled, with the order as stored.
 */
export async function payThroughFlow(cloud: LocalCloud, student: FixtureStudent, options: PayThroughFlowOptions = {}): Promise<OrderDoc> {
  const db = cloud.sdkDatabase();
  const at = cloud.clock.now();
  const bills = collection(db, 'bills');
  const billIds: string[] = [];
  for (const line of options.lines ?? TUITION_LINES) {
    // One bill per (student, term, item): a further order of the same item is another term's bill.
    const same = await bills.count({ studentId: student.studentId, itemCode: line.itemCode });
    const term = `2026-2027-${same + 1}`;
    billIds.push(
      await bills.insert({
        _id: randomId('bill'),
        studentId: student.studentId,
        studentNo: student.studentNo,
        term,
        academicYear: term.slice(0, 9),
        itemCode: line.itemCode,
        itemName: line.itemName,
        amount: fen(line.amount),
        deadline: new Date(at.getTime() + 30 * 24 * 3_600_000),
        mandatory: true,
        status: 'UNPAID',
        orderId: null,
        paidOrderId: null,
        createdAt: at,
        updatedAt: at,
      }),
    );
  }
  const email = options.email ?? student.email ?? 'student@example.edu.cn';
  const started = (await cloud.invoke('pay', { action: 'create', billIds, email }, { openid: student.openid })) as ApiResult<PayStart>;
  if (!started.ok) throw new Error(`pay.create refused: ${started.code} ${started.message}`);
  const sandbox = cloudPaySandboxOf(cloud);
  if (options.duplicates) sandbox.duplicateNextCallbacks(options.duplicates);
  await sandbox.pay(started.data.order.id, { openid: student.openid });
  await sandbox.settle();
  const order = await collection(db, 'orders').findById(started.data.order.id);
  if (!order || order.status !== 'PAID') throw new Error(`order ${started.data.order.id} is ${order?.status ?? 'missing'} after paying`);
  return order;
}
