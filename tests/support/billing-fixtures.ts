/**
 * Signed-in students and their bills for the payment tests, written straight into the local
 * cloud's database: a minimal student record, a `sessions/{openid}` document as the auth function
 * writes it, and bills as the admin import stores them. (When sign-in lands, these can sign in
 * through the auth function instead; the payment code only reads the session.)
 */
import { randomBytes } from 'node:crypto';
import type { LocalCloud } from '../../local/cloud';
import type { BillDoc, OrderDoc } from '../../cloudfunctions/shared/billing/domain/records';
import { fen } from '../../cloudfunctions/shared/kernel/money';
import { collection } from '../../cloudfunctions/shared/runtime';

export interface TestStudent {
  studentId: string;
  studentNo: string;
  openid: string;
}

let counter = 0;
const unique = (prefix: string): string => `${prefix}${Date.now().toString(36)}${(counter += 1).toString(36)}${randomBytes(3).toString('hex')}`;

export async function createSignedInStudent(cloud: LocalCloud, options: { studentNo?: string; openid?: string; email?: string | null } = {}): Promise<TestStudent> {
  const db = cloud.sdkDatabase();
  const now = cloud.clock.now();
  const studentNo = options.studentNo ?? unique('S');
  const studentId = `stu-${studentNo}`;
  await collection(db, 'students').insert({
    _id: studentId,
    studentNo,
    name: '测试学生',
    idHash: `fixture-${studentNo}`,
    idMasked: '3706**********1234',
    idRunHashes: [],
    college: '继续教育学院',
    major: '会计学',
    grade: '2025',
    className: '会计2501',
    phoneHash: null,
    phoneMasked: null,
    phoneVerifiedAt: null,
    email: options.email ?? null,
    passwordHash: 'fixture',
    mustChangePassword: false,
    setupCompletedAt: now,
    passwordChangedAt: now,
    boundOpenids: [],
    createdAt: now,
    updatedAt: now,
  } as never);
  const student = { studentId, studentNo, openid: options.openid ?? unique('o-') };
  await signIn(cloud, student, student.openid);
  return student;
}

/** Signs the student in on another WeChat account (a second device with another account). */
export async function signIn(cloud: LocalCloud, student: Pick<TestStudent, 'studentId'>, openid: string): Promise<void> {
  const now = cloud.clock.now();
  await collection(cloud.sdkDatabase(), 'sessions').insert({
    _id: openid,
    studentId: student.studentId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + 7 * 24 * 3600_000),
    passwordVersion: 0,
  });
}

/**
 * All mandatory: these bills exercise orders, not the fee rules (a term's mandatory bills before its
 * optional ones), which have their own tests; any subset of them may go into an order.
 */
const ITEMS = [
  { itemCode: 'XF', itemName: '学费', amount: 320000, mandatory: true },
  { itemCode: 'ZSF', itemName: '住宿费', amount: 120000, mandatory: true },
  { itemCode: 'JCF', itemName: '教材费', amount: 45050, mandatory: true },
];

/** `count` unpaid bills for the student (学费, 住宿费, 教材费, then 其他费用 N…). */
export async function addBills(cloud: LocalCloud, student: TestStudent, count = 2, term = '2026-2027-1'): Promise<BillDoc[]> {
  const now = cloud.clock.now();
  const bills: BillDoc[] = [];
  for (let i = 0; i < count; i += 1) {
    const item = ITEMS[i] ?? { itemCode: `QT${i}`, itemName: `其他费用${i}`, amount: 1000 + i, mandatory: true };
    bills.push({
      _id: `bill-${student.studentNo}-${term}-${item.itemCode}`,
      studentId: student.studentId,
      studentNo: student.studentNo,
      term,
      academicYear: term.slice(0, 9),
      itemCode: item.itemCode,
      itemName: item.itemName,
      amount: fen(item.amount),
      deadline: new Date(now.getTime() + 30 * 24 * 3600_000),
      mandatory: item.mandatory,
      status: 'UNPAID',
      orderId: null,
      paidOrderId: null,
      createdAt: now,
      updatedAt: now,
    });
  }
  const coll = collection(cloud.sdkDatabase(), 'bills');
  for (const bill of bills) await coll.insert(bill);
  return bills;
}

export async function readBills(cloud: LocalCloud, ids: readonly string[]): Promise<BillDoc[]> {
  const all = (await cloud.database.dump('bills')) as unknown as BillDoc[];
  return ids.map((id) => all.find((bill) => bill._id === id)!).filter(Boolean);
}

export async function readOrder(cloud: LocalCloud, id: string): Promise<OrderDoc | null> {
  const all = (await cloud.database.dump('orders')) as unknown as OrderDoc[];
  return all.find((order) => order._id === id) ?? null;
}

export async function readOrders(cloud: LocalCloud, studentId?: string): Promise<OrderDoc[]> {
  const all = (await cloud.database.dump('orders')) as unknown as OrderDoc[];
  return studentId ? all.filter((order) => order.studentId === studentId) : all;
}

export async function dump<T>(cloud: LocalCloud, name: string): Promise<T[]> {
  return (await cloud.database.dump(name)) as unknown as T[];
}

export const MINUTE = 60_000;
