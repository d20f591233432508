import type { BillDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { seedDemoBills } from '../../../local/seed/bills';
import { createSignedInStudent, dump } from '../../support/billing-fixtures';
import { startTestCloud, type TestCloud } from '../../support/local-cloud';

let tc: TestCloud;
beforeAll(async () => {
  tc = await startTestCloud({ startAt: new Date('2026-11-28T02:00:00Z') });
});
afterAll(async () => {
  await tc.stop();
});

test('demo bills: two terms for every student, and a second run adds nothing', async () => {
  const a = await createSignedInStudent(tc.cloud, { studentNo: '2025010001' });
  const b = await createSignedInStudent(tc.cloud, { studentNo: '2025010002' });
  const db = tc.cloud.sdkDatabase();
  const count = await seedDemoBills(db, tc.cloud.clock.now());
  expect(count).toBe(10);
  expect(await seedDemoBills(db, tc.cloud.clock.now())).toBe(10);
  const bills = await dump<BillDoc>(tc.cloud, 'bills');
  expect(bills).toHaveLength(10);
  const mine = bills.filter((bill) => bill.studentId === a.studentId);
  expect([...new Set(mine.map((bill) => bill.term))].sort()).toEqual(['2026-2027-1', '2026-2027-2']);
  expect(mine.every((bill) => bill.status === 'UNPAID' && Number.isInteger(bill.amount) && bill.studentNo === a.studentNo)).toBe(true);
  expect(bills.filter((bill) => bill.studentId === b.studentId)).toHaveLength(5);
  // What the student sees.
  const overview = (await tc.cloud.invoke('bills', { action: 'overview' }, { openid: a.openid })) as { ok: boolean; data: { unpaid: { termLabel: string }[] } };
  expect(overview.data.unpaid.map((bill) => bill.termLabel)).toEqual([
    '2026-2027学年第一学期',
    '2026-2027学年第一学期',
    '2026-2027学年第一学期',
    '2026-2027学年第二学期',
    '2026-2027学年第二学期',
  ]);
});
