/**
 * The school's fee rules at 立即支付: a term's mandatory bills first (or together with its optional
 * ones), and an item that closes at its deadline not payable after it; 待缴费 lists mandatory bills
 * first.
 */
import { newBill } from '../../../cloudfunctions/shared/billing/domain/billing';
import { fen } from '../../../cloudfunctions/shared/kernel/money';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { seedFeeItems } from '../../../local/seed/bills';
import { createSignedInStudent } from '../../support/billing-fixtures';
import { ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world), new Date('2026-12-05T02:00:00Z'));

async function studentWithBills() {
  const db = w.tc.cloud.sdkDatabase();
  const now = w.tc.cloud.clock.now();
  await seedFeeItems(db, now);
  const student = await createSignedInStudent(w.tc.cloud);
  const make = (itemCode: string, itemName: string, amount: number, mandatory: boolean, deadline: string) =>
    newBill({ studentId: student.studentId, studentNo: student.studentNo, term: '2026-2027-1', itemCode, itemName, amount: fen(amount), mandatory, deadline: new Date(deadline), now });
  const bills = {
    tuition: make('XF', '学费', 320000, true, '2026-12-31T15:59:59Z'),
    books: make('JCF', '教材费', 45050, true, '2026-12-31T15:59:59Z'),
    dorm: make('ZSF', '住宿费', 120000, false, '2026-12-31T15:59:59Z'),
    exam: make('KSF', '考试费', 8000, false, '2026-12-01T15:59:59Z'),
  };
  for (const bill of Object.values(bills)) await collection(db, 'bills').insert(bill);
  return { student, bills };
}

test('待缴费 lists the mandatory bills first; an optional one is paid only with or after them', async () => {
  const { student, bills } = await studentWithBills();
  const overview = await w.overview(student);
  expect(overview.unpaid.map((b) => [b.itemName, b.mandatory])).toEqual([
    ['学费', true],
    ['教材费', true],
    ['考试费', false],
    ['住宿费', false],
  ]);
  const refused = await w.create(student, [bills.dorm._id]);
  expect(refused).toMatchObject({ ok: false, code: 'PAY_MANDATORY_FIRST', message: '请先缴纳 2026-2027学年第一学期 的必缴项目（学费、教材费），或与选缴项目一并勾选' });
  expect(ok(await w.create(student, [bills.tuition._id, bills.books._id, bills.dorm._id])).order.total).toBe(320000 + 45050 + 120000);
});

test('an item that closes at its deadline is refused once it has passed; the refusal says so', async () => {
  const { student, bills } = await studentWithBills();
  const order = ok(await w.create(student, [bills.tuition._id, bills.books._id])).order;
  await w.sandbox.pay(order.id);
  await w.sandbox.settle();
  expect(await w.create(student, [bills.exam._id])).toMatchObject({
    ok: false,
    code: 'PAY_ITEM_CLOSED',
    message: '考试费已过缴费截止日期，不能再在线缴费，请联系计划财务处收费管理科',
  });
  expect((await w.create(student, [bills.dorm._id])).ok).toBe(true);
});

test('待缴费 marks a bill whose item closed at its deadline as not payable online, and says whom to contact', async () => {
  const { student } = await studentWithBills();
  const overview = await w.overview(student);
  const shown = overview.unpaid.map((b) => [b.itemName, b.overdue, b.payableOnline, b.notPayableReason]);
  expect(shown).toEqual([
    ['学费', false, true, null],
    ['教材费', false, true, null],
    ['考试费', true, false, '该项目已过缴费截止日期，不能再在线缴费，请联系计划财务处收费管理科'],
    ['住宿费', false, true, null],
  ]);
});

test('a mandatory bill that closed at its deadline does not hold back the term’s optional bills', async () => {
  const db = w.tc.cloud.sdkDatabase();
  const now = w.tc.cloud.clock.now();
  await seedFeeItems(db, now);
  await collection(db, 'feeItems').insert({ _id: 'BKF', name: '补考费', mandatory: true, payableAfterDeadline: false, active: true, sortOrder: 50, updatedAt: now });
  // A function instance trusts the catalogue it read for a minute.
  w.tc.cloud.clock.advance(61_000);
  const student = await createSignedInStudent(w.tc.cloud);
  const make = (itemCode: string, itemName: string, amount: number, mandatory: boolean, deadline: string) =>
    newBill({ studentId: student.studentId, studentNo: student.studentNo, term: '2026-2027-1', itemCode, itemName, amount: fen(amount), mandatory, deadline: new Date(deadline), now });
  const resit = make('BKF', '补考费', 5000, true, '2026-12-01T15:59:59Z');
  const dorm = make('ZSF', '住宿费', 120000, false, '2026-12-31T15:59:59Z');
  for (const bill of [resit, dorm]) await collection(db, 'bills').insert(bill);

  expect((await w.overview(student)).unpaid.map((b) => [b.itemName, b.payableOnline])).toEqual([
    ['补考费', false],
    ['住宿费', true],
  ]);
  const started = ok(await w.create(student, [dorm._id]));
  expect(started.order.lines.map((line) => line.itemName)).toEqual(['住宿费']);
  expect(started.order.total).toBe(120000);
  // The closed mandatory bill itself is still refused.
  expect(await w.create(student, [resit._id])).toMatchObject({ ok: false, code: 'PAY_ITEM_CLOSED' });
});
