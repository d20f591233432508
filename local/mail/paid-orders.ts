/**
 * Paid orders written straight into the database, as the payment flow leaves them: a student, a
 * signed-in session and an order in status PAID. The payment flow (pay / payNotify) is built in
 * parallel; until receipts are issued from it, the receipts tests and the receipts sandbox of the
 * local cloud (page tests, demos) make their paid orders here. Local cloud and tests only.
 */
import { randomBytes } from 'node:crypto';
import { collection, type Database, type SessionDoc } from '../../cloudfunctions/shared/runtime';
import { fen, sumFen, type Fen } from '../../cloudfunctions/shared/domain/money';
import type { OrderDoc, OrderLine } from '../../cloudfunctions/shared/domain/records';
import type { StudentDoc } from '../../cloudfunctions/shared/domain/student';

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
  await collection<StudentDoc>(db, 'students').insert(doc);
  const session: SessionDoc = { _id: student.openid, studentId, createdAt: at, expiresAt: new Date(at.getTime() + 24 * 3_600_000) };
  await collection<SessionDoc>(db, 'sessions').insert(session);
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
  await collection<OrderDoc>(db, 'orders').insert(order);
  return order;
}

