/**
 * Rows reach the database only under a batch that can take them (this staff member's, of this
 * kind, still importing); a chunk sent again after its answer was lost counts once and reports what
 * it did; a roster correction reaches the student's bills; a chunk that changes phone numbers on
 * file is in the audit log, without the numbers.
 */
import type { BillPage, Dashboard } from '../../../cloudfunctions/shared/billing/contract';
import type { ImportBatchView, ImportKind, ImportRow, RowCheck } from '../../../cloudfunctions/shared/imports/contract';
import { collection, commands } from '../../../cloudfunctions/shared/runtime';
import { seedFeeItems } from '../../../local/seed/bills';
import { makeIdNumber } from '../auth/support';
import { data, expectRefused, startConsoleCloud, type ConsoleCloud } from './support';

let c: ConsoleCloud;
let token: string;
beforeAll(async () => {
  c = await startConsoleCloud();
  await seedFeeItems(c.running.cloud.sdkDatabase(), c.running.cloud.clock.now());
  token = await c.signInAs('cashier');
});
afterAll(async () => c.stop());

const db = () => c.running.cloud.sdkDatabase();
const students = () => collection(db(), 'students');
const bills = () => collection(db(), 'bills');

interface Person {
  studentNo: string;
  name: string;
  idNumber: string;
  college?: string;
  className?: string;
  phone?: string;
}
const studentRow = (rowNumber: number, person: Person): ImportRow => ({
  rowNumber,
  cells: {
    studentNo: person.studentNo,
    name: person.name,
    idNumber: person.idNumber,
    college: person.college ?? '继续教育学院',
    major: '会计学',
    grade: '2025级',
    className: person.className ?? '会计2501班',
    ...(person.phone ? { phone: person.phone } : {}),
  },
});
const TERM = '2026-2027-1';
const billRow = (rowNumber: number, studentNo: string, itemName = '学费', amount = '4800'): ImportRow => ({
  rowNumber,
  cells: { studentNo, term: TERM, itemName, amount, deadline: '2026-12-31', mandatory: '' },
});

async function startBatch(kind: ImportKind, rowCount: number): Promise<string> {
  return data(await c.api<ImportBatchView>('startImport', { kind, fileName: `${kind}.xlsx`, fileHash: 'd'.repeat(64), rowCount }, { token })).batchId;
}
const send = (batchId: string, kind: ImportKind, rows: ImportRow[]) => c.api<{ rows: RowCheck[] }>('importRows', { batchId, kind, rows }, { token });
const finish = async (batchId: string) => data(await c.api<ImportBatchView>('finishImport', { batchId }, { token }));

async function importFile(kind: ImportKind, rows: ImportRow[]): Promise<{ batch: ImportBatchView; rows: RowCheck[] }> {
  const batchId = await startBatch(kind, rows.length);
  const imported = data(await send(batchId, kind, rows));
  return { batch: await finish(batchId), rows: imported.rows };
}

describe('a batch that cannot take the rows', () => {
  // Imported with a phone number on file, and has not signed in yet: that number is how the first
  // sign-in proves who they are.
  const known = { studentNo: '2025600001', name: '冯娟', idNumber: makeIdNumber('19890909'), phone: '13905350100' };
  const newcomer = { studentNo: '2025600002', name: '陈晨', idNumber: makeIdNumber('19900909') };
  const takeover = () => [studentRow(2, { ...known, phone: '13905359999' }), studentRow(3, newcomer)];
  let phoneBefore: string | null;

  beforeAll(async () => {
    await importFile('students', [studentRow(2, known)]);
    phoneBefore = (await students().findOne({ studentNo: known.studentNo }))!.phoneHash;
  });

  async function expectNothingWritten(): Promise<void> {
    const stored = await students().findOne({ studentNo: known.studentNo });
    expect(stored).toMatchObject({ phoneHash: phoneBefore, phoneMasked: '139****0100' });
    expect(await students().count({ studentNo: newcomer.studentNo })).toBe(0);
  }

  it('one that does not exist: refused, and no student is written or changed', async () => {
    expectRefused(await send('20260101-000000000000', 'students', takeover()), 422, 'IMPORT_BATCH_NOT_FOUND');
    await expectNothingWritten();
  });

  it('one that is finished: refused, nothing written', async () => {
    const batchId = await startBatch('students', 2);
    await finish(batchId);
    expectRefused(await send(batchId, 'students', takeover()), 422, 'IMPORT_BATCH_CLOSED');
    await expectNothingWritten();
  });

  it('one of the other kind: refused, nothing written; its own kind still goes in', async () => {
    const billsBatch = await startBatch('bills', 2);
    expectRefused(await send(billsBatch, 'students', takeover()), 422, 'IMPORT_BATCH_NOT_FOUND');
    await expectNothingWritten();

    const rosterBatch = await startBatch('students', 1);
    const before = await bills().count({});
    expectRefused(await send(rosterBatch, 'bills', [billRow(2, known.studentNo)]), 422, 'IMPORT_BATCH_NOT_FOUND');
    expect(await bills().count({})).toBe(before);
    expect(data(await send(billsBatch, 'bills', [billRow(2, known.studentNo)])).rows[0]!.outcome).toBe('create');
  });

  it('one another staff member started: refused, nothing written, and their batch counts nothing', async () => {
    const batchId = '20261128-0123456789ab';
    await collection(db(), 'importBatches').setById(batchId, {
      kind: 'students',
      fileName: '别人的名单.xlsx',
      fileHash: 'b'.repeat(64),
      status: 'IMPORTING',
      staffId: 'demo-staff-other-cashier',
      staffName: '王强',
      rowCount: 2,
      created: 0,
      updated: 0,
      unchanged: 0,
      invalid: 0,
      withdrawn: 0,
      withdrawReason: null,
      startedAt: c.running.cloud.clock.now(),
      finishedAt: null,
      chunks: {},
    });
    expectRefused(await send(batchId, 'students', takeover()), 422, 'IMPORT_BATCH_NOT_FOUND');
    await expectNothingWritten();
    expect(await collection(db(), 'importBatches').findById(batchId)).toMatchObject({ created: 0, updated: 0, invalid: 0 });
  });
});

describe('a chunk sent again after its answer was lost (继续导入)', () => {
  it('a new student: the row is reported created again, with no error, and counted once', async () => {
    const person = { studentNo: '2025610001', name: '蒋雪', idNumber: makeIdNumber('19910101') };
    const batchId = await startBatch('students', 1);
    const chunk = [studentRow(2, person)];
    expect(data(await send(batchId, 'students', chunk)).rows).toEqual([{ rowNumber: 2, outcome: 'create', problems: [], changes: [] }]);
    expect(data(await send(batchId, 'students', chunk)).rows).toEqual([{ rowNumber: 2, outcome: 'create', problems: [], changes: [] }]);
    expect(await finish(batchId)).toMatchObject({ created: 1, updated: 0, unchanged: 0, invalid: 0 });
    expect(await students().count({ studentNo: person.studentNo })).toBe(1);
  });

  it('a corrected student: reported updated again and counted once; the unchanged and the wrong rows as before', async () => {
    const moved = { studentNo: '2025610002', name: '沈阳', idNumber: makeIdNumber('19920202') };
    const stays = { studentNo: '2025610003', name: '韩梅', idNumber: makeIdNumber('19930303') };
    await importFile('students', [studentRow(2, moved), studentRow(3, stays)]);

    const batchId = await startBatch('students', 3);
    const chunk = [studentRow(2, { ...moved, className: '会计2502班' }), studentRow(3, stays), studentRow(4, { ...stays, studentNo: '1' })];
    const first = data(await send(batchId, 'students', chunk)).rows;
    const again = data(await send(batchId, 'students', chunk)).rows;
    expect(first.map((row) => row.outcome)).toEqual(['update', 'unchanged', 'invalid']);
    expect(again.map((row) => row.outcome)).toEqual(['update', 'unchanged', 'invalid']);
    expect(again[2]!.problems).toEqual(first[2]!.problems);
    expect(await finish(batchId)).toMatchObject({ created: 0, updated: 1, unchanged: 1, invalid: 1 });
  });

  it('a chunk written but never counted (the function stopped in between) counts when sent again', async () => {
    const person = { studentNo: '2025610004', name: '杨帆', idNumber: makeIdNumber('19940404') };
    const batchId = await startBatch('students', 1);
    const chunk = [studentRow(2, person)];
    data(await send(batchId, 'students', chunk));
    // The batch as it was before the count: the student is written, the batch knows nothing of it.
    await collection(db(), 'importBatches').updateById(batchId, { created: 0, chunks: commands(db()).set({}) });

    expect(data(await send(batchId, 'students', chunk)).rows[0]).toMatchObject({ outcome: 'create', problems: [] });
    expect(await finish(batchId)).toMatchObject({ created: 1, invalid: 0 });
  });

  it('a later chunk with a row for a student an earlier chunk wrote is still a duplicate, even when it reads the same', async () => {
    const person = { studentNo: '2025610005', name: '朱丹', idNumber: makeIdNumber('19950505') };
    const batchId = await startBatch('students', 5001);
    data(await send(batchId, 'students', [studentRow(2, person)]));
    const second = data(await send(batchId, 'students', [studentRow(5002, person)])).rows;
    expect(second).toEqual([{ rowNumber: 5002, outcome: 'invalid', problems: [{ column: '学号', reason: expect.stringContaining('文件内重复') }], changes: [] }]);
    expect(await finish(batchId)).toMatchObject({ created: 1, invalid: 1 });
  });

  it('a bills chunk: the row is reported created again, with no error, and counted once', async () => {
    const person = { studentNo: '2025610006', name: '秦岚', idNumber: makeIdNumber('19960606') };
    await importFile('students', [studentRow(2, person)]);
    const batchId = await startBatch('bills', 1);
    const chunk = [billRow(2, person.studentNo)];
    expect(data(await send(batchId, 'bills', chunk)).rows).toEqual([{ rowNumber: 2, outcome: 'create', problems: [], changes: [] }]);
    expect(data(await send(batchId, 'bills', chunk)).rows).toEqual([{ rowNumber: 2, outcome: 'create', problems: [], changes: [] }]);
    expect(await finish(batchId)).toMatchObject({ created: 1, invalid: 0 });
    expect(await bills().count({ studentNo: person.studentNo })).toBe(1);
  });
});

describe('a roster correction', () => {
  const wrong = { studentNo: '2025620001', name: '刘芳', idNumber: makeIdNumber('19870101'), college: '继续教育学院' };
  const classmate = { studentNo: '2025620002', name: '许诺', idNumber: makeIdNumber('19870202'), college: '继续教育学院' };

  beforeAll(async () => {
    await importFile('students', [studentRow(2, wrong), studentRow(3, classmate)]);
    await importFile('bills', [billRow(2, wrong.studentNo), billRow(3, wrong.studentNo, '教材费', '380'), billRow(4, classmate.studentNo)]);
  });

  const search = async (filters: Record<string, string>) => data(await c.api<BillPage>('searchBills', { ...filters, term: TERM, page: 1, pageSize: 20 }, { token }));

  it('reaches the bills: they are found by the new name and counted under the new 学院, in the new class', async () => {
    const corrected = { ...wrong, name: '刘芬', college: '经济管理学院', className: '会计2502班' };
    const { rows } = await importFile('students', [studentRow(2, corrected), studentRow(3, { ...classmate, className: '会计2502班' })]);
    expect(rows.map((row) => row.outcome)).toEqual(['update', 'update']);

    const found = await search({ studentName: '刘芬' });
    expect(found.total).toBe(2);
    expect(found.items.map((bill) => [bill.studentNo, bill.college, bill.className])).toEqual([
      [wrong.studentNo, '经济管理学院', '会计2502班'],
      [wrong.studentNo, '经济管理学院', '会计2502班'],
    ]);
    expect((await search({ studentName: '刘芳' })).total).toBe(0);
    expect((await search({ studentNo: classmate.studentNo })).items.map((bill) => [bill.studentName, bill.className])).toEqual([['许诺', '会计2502班']]);

    const dashboard = data(await c.api<Dashboard>('dashboard', { term: TERM }, { token }));
    expect(dashboard.byCollege.find((college) => college.name === '经济管理学院')).toMatchObject({ billCount: 2, receivable: 480000 + 38000 });
  });
});

describe('phone numbers changed by a roster chunk', () => {
  it('are written to the audit log once per chunk: how many and whose, never the numbers', async () => {
    const first = { studentNo: '2025630001', name: '魏来', idNumber: makeIdNumber('19880303'), phone: '13905350201' };
    const second = { studentNo: '2025630002', name: '曹阳', idNumber: makeIdNumber('19880404') };
    await importFile('students', [studentRow(2, first), studentRow(3, second)]);
    const audit = () => collection(db(), 'auditLog').find({ action: 'admin.importRows' });
    expect(await audit()).toHaveLength(0);

    const { batch } = await importFile('students', [studentRow(2, { ...first, phone: '13905350299' }), studentRow(3, { ...second, phone: '13905350300' })]);
    const entries = await audit();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: `staff:${c.openidOf('cashier')}`,
      details: {
        staffName: '李敏',
        role: 'cashier',
        changes: [{ target: `importBatch:${batch.batchId}`, after: { phonesChanged: 2, studentNos: [first.studentNo, second.studentNo] } }],
      },
    });
    expect(JSON.stringify(entries[0])).not.toMatch(/0201|0299|0300/);

    // A correction of anything else is no such entry.
    await importFile('students', [studentRow(2, { ...first, phone: '13905350299', className: '会计2509班' })]);
    expect(await audit()).toHaveLength(1);
  });
});
