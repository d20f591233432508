import { fromChinaWallClock } from '../../cloudfunctions/shared/kernel/china-time';
import { academicYearOf, newBill } from '../../cloudfunctions/shared/billing/domain/billing';
import type { FeeItemDoc } from '../../cloudfunctions/shared/billing/domain/bill-row';
import { fen } from '../../cloudfunctions/shared/kernel/money';
import { collection, isDuplicateKeyError, type Database } from '../../cloudfunctions/shared/runtime';
import type { LocalCloud } from '../cloud';
import { HttpError, type LocalCloudServer } from '../server';

/** Beijing midnight at the end of a day (the deadline shown is that day). */
const endOfDay = (year: number, month: number, day: number): Date => fromChinaWallClock(year, month, day, 23, 59, 59);

/** The fee item catalogue an office starts with (editable in the console's 收费项目). */
export const DEMO_FEE_ITEMS: readonly Omit<FeeItemDoc, 'updatedAt'>[] = [
  { _id: 'XF', name: '学费', mandatory: true, payableAfterDeadline: true, active: true, sortOrder: 10 },
  { _id: 'ZSF', name: '住宿费', mandatory: false, payableAfterDeadline: true, active: true, sortOrder: 20 },
  { _id: 'JCF', name: '教材费', mandatory: true, payableAfterDeadline: true, active: true, sortOrder: 30 },
  { _id: 'KSF', name: '考试费', mandatory: false, payableAfterDeadline: false, active: true, sortOrder: 40 },
];

/** Idempotent: an item already there (perhaps edited in the console) stays as it is. */
export async function seedFeeItems(db: Database, at: Date): Promise<void> {
  const items = collection(db, 'feeItems');
  for (const item of DEMO_FEE_ITEMS) if (!(await items.findById(item._id))) await items.insert({ ...item, updatedAt: at });
}

/** The items of each term, as the finance office would import them. */
function demoItems(academicYear: string): { term: string; itemCode: string; itemName: string; amount: number; mandatory: boolean; deadline: Date }[] {
  const first = Number(academicYear.slice(0, 4));
  const term1 = `${academicYear}-1`;
  const term2 = `${academicYear}-2`;
  return [
    { term: term1, itemCode: 'XF', itemName: '学费', amount: 320000, mandatory: true, deadline: endOfDay(first, 12, 31) },
    { term: term1, itemCode: 'ZSF', itemName: '住宿费', amount: 120000, mandatory: false, deadline: endOfDay(first, 12, 31) },
    { term: term1, itemCode: 'JCF', itemName: '教材费', amount: 45050, mandatory: true, deadline: endOfDay(first, 12, 31) },
    { term: term2, itemCode: 'XF', itemName: '学费', amount: 320000, mandatory: true, deadline: endOfDay(first + 1, 3, 31) },
    { term: term2, itemCode: 'JCF', itemName: '教材费', amount: 38000, mandatory: true, deadline: endOfDay(first + 1, 3, 31) },
  ];
}

/**
 * Bills for two terms for every demo student (the students in the database). Idempotent: the
 * unique (student, term, item) index turns a second run into no-ops. Returns how many bills the
 * students have after seeding.
 */
export async function seedDemoBills(db: Database, at: Date): Promise<number> {
  await seedFeeItems(db, at);
  const students = await collection(db, 'students').find({}, { limit: 1000, fields: ['_id', 'studentNo', 'name', 'college', 'major', 'grade', 'className'] });
  const bills = collection(db, 'bills');
  const items = demoItems(academicYearOf(at));
  for (const student of students) {
    for (const item of items) {
      const bill = newBill({ studentId: student._id, studentNo: student.studentNo, student, ...item, amount: fen(item.amount), now: at });
      try {
        await bills.insert(bill);
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
  }
  let total = 0;
  for (const student of students) total += await bills.count({ studentId: student._id });
  return total;
}

/**
 * `POST /sandbox/billing/student` — a test route (only on a server started for tests): a student
 * signed in on the caller's WeChat account (x-wx-openid) with this term's demo bills, for page
 * tests that run the local cloud in another process. Body `{ bills?: 1–3 }`; answers
 * `{ studentNo, billIds }`. Writes the session the way the auth function does after a sign-in.
 */
export function installBillingTestRoutes(cloud: LocalCloud, server: LocalCloudServer | null): void {
  let counter = 0;
  server?.testRoute('/sandbox/billing/student', async ({ body, openid }) => {
    if (!openid) throw new HttpError(401, 'OPENID_REQUIRED', '缺少调用者身份');
    const count = Math.min(Math.max(Number((body as { bills?: unknown } | null)?.bills ?? 3) || 3, 1), 3);
    const db = cloud.sdkDatabase();
    const at = cloud.clock.now();
    counter += 1;
    const studentNo = `T${at.getTime().toString().slice(-8)}${String(counter).padStart(3, '0')}`;
    const studentId = `test-${studentNo}`;
    await collection(db, 'students').insert({
      _id: studentId,
      studentNo,
      name: '测试学生',
      idHash: `test-${studentNo}`,
      idMasked: '3706**********0000',
      idRunHashes: [],
      college: '继续教育学院',
      major: '会计学',
      grade: '2025级',
      className: '会计学2501班',
      phoneHash: null,
      phoneMasked: null,
      phoneVerifiedAt: null,
      email: null,
      passwordHash: 'test',
      mustChangePassword: false,
      setupCompletedAt: at,
      passwordChangedAt: at,
      boundOpenids: [openid],
      createdAt: at,
      updatedAt: at,
    });
    await collection(db, 'sessions').insert({ _id: openid, studentId, createdAt: at, expiresAt: new Date(at.getTime() + 7 * 24 * 3600_000), passwordVersion: 0 });
    const items = demoItems(academicYearOf(at)).slice(0, count);
    const bills = collection(db, 'bills');
    const billIds: string[] = [];
    for (const item of items) {
      const bill = newBill({ studentId, studentNo, ...item, amount: fen(item.amount), now: at });
      await bills.insert(bill);
      billIds.push(bill._id);
    }
    return { studentNo, billIds };
  });
}
