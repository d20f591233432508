/**
 * A voided bill issued again by an import: after 撤回导入批次 or 作废 of a wrong bill, the same row
 * (or a corrected one) imports as 新增 and the student has the bill to pay again, under the new
 * batch. A row that differs from a bill still in force is a conflict named by the column that
 * differs.
 */
import type { ImportBatchView, ImportRow, RowCheck } from '../../../cloudfunctions/shared/imports/contract';
import type { BillsOverview, ConsoleBill } from '../../../cloudfunctions/shared/billing/contract';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { seedFeeItems } from '../../../local/seed/bills';
import { createSignedInStudent, type TestStudent } from '../../support/billing-fixtures';
import { holdNextDatabaseRequest } from '../../support/hold-database-request';
import { data, startConsoleCloud, type ConsoleCloud } from './support';

let c: ConsoleCloud;
let cashier: string;
beforeAll(async () => {
  c = await startConsoleCloud();
  await seedFeeItems(c.running.cloud.sdkDatabase(), c.running.cloud.clock.now());
  cashier = await c.signInAs('cashier');
});
afterAll(async () => c.stop());

const bills = () => collection(c.running.cloud.sdkDatabase(), 'bills');
type Cells = { studentNo: string; term: string; itemName: string; amount: string; deadline: string; mandatory: string };
const row = (rowNumber: number, cells: Cells): ImportRow => ({ rowNumber, cells });
const tuition = (studentNo: string, over: Partial<Cells> = {}): Cells => ({ studentNo, term: '2026-2027-1', itemName: '学费', amount: '4,800.00', deadline: '2026-12-31', mandatory: '是', ...over });

async function check(rows: ImportRow[]): Promise<RowCheck[]> {
  return data(await c.api<{ rows: RowCheck[] }>('checkImport', { kind: 'bills', rows }, { token: cashier })).rows;
}

async function startBatch(rowCount: number): Promise<string> {
  return data(await c.api<ImportBatchView>('startImport', { kind: 'bills', fileName: '2026-2027-1 账单.xlsx', fileHash: 'd'.repeat(64), rowCount }, { token: cashier })).batchId;
}

async function importRows(batchId: string, rows: ImportRow[]): Promise<RowCheck[]> {
  return data(await c.api<{ rows: RowCheck[] }>('importRows', { batchId, kind: 'bills', rows }, { token: cashier })).rows;
}

async function importFile(rows: ImportRow[]): Promise<{ batch: ImportBatchView; rows: RowCheck[] }> {
  const batchId = await startBatch(rows.length);
  const checked = await importRows(batchId, rows);
  return { batch: data(await c.api<ImportBatchView>('finishImport', { batchId }, { token: cashier })), rows: checked };
}

async function unpaidOf(student: TestStudent): Promise<{ id: string; amount: number }[]> {
  const answer = (await c.running.cloud.invoke('bills', { action: 'overview' }, { openid: student.openid })) as ApiResult<BillsOverview>;
  if (!answer.ok) throw new Error(answer.message);
  return answer.data.unpaid.map((bill) => ({ id: bill.id, amount: bill.amount }));
}

test('a withdrawn batch imported again: every row is 新增 and the bills are to be paid again, under the new batch', async () => {
  const student = await createSignedInStudent(c.running.cloud, { studentNo: '2026600001' });
  const file = [
    row(2, tuition('2026600001')),
    row(3, tuition('2026600001', { itemName: '教材费', amount: '380' })),
    row(4, tuition('2026600001', { itemName: '住宿费', amount: '1200', mandatory: '否' })),
  ];
  const first = await importFile(file);
  expect(data(await c.api<ImportBatchView>('withdrawImport', { batchId: first.batch.batchId, reason: '学期安排变更，重新导入' }, { token: cashier }))).toMatchObject({ withdrawn: 3 });
  expect((await bills().find({ studentNo: '2026600001' })).map((bill) => bill.status)).toEqual(['VOID', 'VOID', 'VOID']);
  expect(await unpaidOf(student)).toEqual([]);

  expect((await check(file)).map((r) => r.outcome)).toEqual(['create', 'create', 'create']);
  const again = await importFile(file);
  expect(again.rows.map((r) => r.outcome)).toEqual(['create', 'create', 'create']);
  expect(again.batch).toMatchObject({ created: 3, unchanged: 0, invalid: 0 });

  const stored = await bills().find({ studentNo: '2026600001' }, { orderBy: [['itemCode', 'asc']] });
  expect(stored.map((bill) => [bill.itemCode, bill.status, bill.amount, bill.mandatory, bill.importBatchId, bill.orderId, bill.paidOrderId])).toEqual([
    ['JCF', 'UNPAID', 38000, true, again.batch.batchId, null, null],
    ['XF', 'UNPAID', 480000, true, again.batch.batchId, null, null],
    ['ZSF', 'UNPAID', 120000, false, again.batch.batchId, null, null],
  ]);
  expect((await unpaidOf(student)).map((bill) => bill.amount).sort((a, b) => a - b)).toEqual([38000, 120000, 480000]);
  // The new batch can be withdrawn in its turn.
  expect(data(await c.api<ImportBatchView>('withdrawImport', { batchId: again.batch.batchId, reason: '再次撤回核对' }, { token: cashier }))).toMatchObject({ withdrawn: 3 });
});

test('a bill voided as wrong, then imported with the corrected amount: issued at the new amount, its old adjustment forgotten', async () => {
  const student = await createSignedInStudent(c.running.cloud, { studentNo: '2026600002' });
  await importFile([row(2, tuition('2026600002'))]);
  const billId = (await bills().findOne({ studentNo: '2026600002', itemCode: 'XF' }))!._id;
  data(await c.api<ConsoleBill>('adjustBill', { billId, amount: 450000, reason: '学分减少，调整学费' }, { token: cashier }));
  data(await c.api<ConsoleBill>('voidBill', { billId, reason: '学费标准有误，作废后重新导入' }, { token: cashier }));

  const corrected = [row(2, tuition('2026600002', { amount: '5,200.00', deadline: '2027-01-15' }))];
  const [checked] = await check(corrected);
  // The preview says the row issues a voided bill again.
  expect(checked).toMatchObject({ outcome: 'create', problems: [], changes: [{ column: '状态', before: '已作废', after: '待缴费' }] });
  const { batch, rows } = await importFile(corrected);
  expect(rows.map((r) => r.outcome)).toEqual(['create']);

  const bill = (await bills().findById(billId))!;
  expect(bill).toMatchObject({ status: 'UNPAID', amount: 520000, importBatchId: batch.batchId, orderId: null, paidOrderId: null });
  expect(bill.originalAmount).toBeUndefined();
  expect(await unpaidOf(student)).toEqual([{ id: billId, amount: 520000 }]);
});

test('a row that differs from a bill in force names the column that differs', async () => {
  await createSignedInStudent(c.running.cloud, { studentNo: '2026600003' });
  await importFile([row(2, tuition('2026600003'))]);
  const checks = await check([
    row(2, tuition('2026600003', { deadline: '2027-01-31' })),
    row(3, tuition('2026600003', { term: '2026-2027-2' })),
  ]);
  expect(checks[0]).toMatchObject({ outcome: 'invalid', problems: [{ column: '缴费截止日期', reason: expect.stringContaining('与已有账单冲突：已有 4,800.00 元，截止 2026-12-31') }] });

  await importFile([row(2, tuition('2026600003', { itemName: '住宿费', amount: '1200', mandatory: '否' }))]);
  const [mandatory] = await check([row(2, tuition('2026600003', { itemName: '住宿费', amount: '1200', mandatory: '是' }))]);
  expect(mandatory).toMatchObject({ outcome: 'invalid', problems: [{ column: '是否必缴', reason: expect.stringContaining('选缴') }] });
  const [amount] = await check([row(2, tuition('2026600003', { amount: '5000', deadline: '2027-01-31' }))]);
  expect(amount).toMatchObject({ outcome: 'invalid', problems: [{ column: '金额（元）' }] });
});

/** Holds the next write that reissues a voided bill until `release`; `reached` resolves when one gets there. */
const holdNextReissue = () =>
  holdNextDatabaseRequest((action, params) => action === 'database.modifyDocument' && params.collectionName === 'bills' && String(params.query).includes('"VOID"'));

test('two imports reissue the same voided bill at once: one issues it, the other reports the row instead of overwriting it', async () => {
  await createSignedInStudent(c.running.cloud, { studentNo: '2026600004' });
  const first = await importFile([row(2, tuition('2026600004'))]);
  data(await c.api<ImportBatchView>('withdrawImport', { batchId: first.batch.batchId, reason: '学期安排变更，重新导入' }, { token: cashier }));

  const slowBatch = await startBatch(1);
  const hold = holdNextReissue();
  let slow: Promise<RowCheck[]>;
  try {
    slow = importRows(slowBatch, [row(2, tuition('2026600004', { amount: '5,000.00' }))]);
    await hold.reached;
  } finally {
    hold.undo();
  }
  // Meanwhile another file issues the bill again.
  const quick = await importFile([row(2, tuition('2026600004', { amount: '4,900.00' }))]);
  expect(quick.rows.map((r) => r.outcome)).toEqual(['create']);
  hold.release();

  const [late] = await slow;
  expect(late).toMatchObject({ outcome: 'invalid', problems: [{ column: '收费项目', reason: expect.stringContaining('已被他人修改') }] });
  expect(await bills().findOne({ studentNo: '2026600004', itemCode: 'XF' })).toMatchObject({ status: 'UNPAID', amount: 490000, importBatchId: quick.batch.batchId });
});
