/**
 * Importing the student roster from the console: every problem reported with its row and column,
 * nothing written before the import is confirmed, rows that are wrong skipped and reported, the
 * same file twice creating nothing twice, and ID numbers stored only as the sign-in stores them.
 */
import { createHash } from 'node:crypto';
import type { ImportBatchView, ImportRow, RowCheck } from '../../../cloudfunctions/shared/imports/contract';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { passwordDerivationCount } from '../../../cloudfunctions/shared/students/password-hash';
import { makeIdNumber } from '../auth/support';
import { expectRefused, startConsoleCloud, type ConsoleCloud } from './support';

let c: ConsoleCloud;
let token: string;
beforeAll(async () => {
  c = await startConsoleCloud();
  token = await c.signInAs('cashier');
});
afterAll(async () => c.stop());

const db = () => c.running.cloud.sdkDatabase();
const students = () => collection(db(), 'students');
const hashOf = (rows: ImportRow[]) => createHash('sha256').update(JSON.stringify(rows)).digest('hex');

interface Person {
  studentNo: string;
  name: string;
  idNumber: string;
  className?: string;
  phone?: string;
}
const row = (rowNumber: number, person: Person): ImportRow => ({
  rowNumber,
  cells: {
    studentNo: person.studentNo,
    name: person.name,
    idNumber: person.idNumber,
    college: '继续教育学院',
    major: '会计学',
    grade: '2025级',
    className: person.className ?? '会计2501班',
    ...(person.phone ? { phone: person.phone } : {}),
  },
});

async function check(rows: ImportRow[]): Promise<RowCheck[]> {
  const answer = await c.api<{ rows: RowCheck[] }>('checkImport', { kind: 'students', rows }, { token });
  if (!answer.result.ok) throw new Error(answer.result.message);
  return answer.result.data.rows;
}

async function importFile(rows: ImportRow[], fileName = '2025级名单.xlsx'): Promise<{ batch: ImportBatchView; rows: RowCheck[] }> {
  const started = await c.api<ImportBatchView>('startImport', { kind: 'students', fileName, fileHash: hashOf(rows), rowCount: rows.length }, { token });
  if (!started.result.ok) throw new Error(started.result.message);
  const { batchId } = started.result.data;
  const imported = await c.api<{ rows: RowCheck[] }>('importRows', { batchId, kind: 'students', rows }, { token });
  if (!imported.result.ok) throw new Error(imported.result.message);
  const finished = await c.api<ImportBatchView>('finishImport', { batchId }, { token });
  if (!finished.result.ok) throw new Error(finished.result.message);
  return { batch: finished.result.data, rows: imported.result.data.rows };
}

const problemsOf = (checks: RowCheck[]) =>
  Object.fromEntries(checks.filter((r) => r.outcome === 'invalid').map((r) => [r.rowNumber, r.problems.map((p) => `${p.column}：${p.reason}`)]));

describe('a roster with every kind of mistake', () => {
  const good1 = { studentNo: '2025100001', name: '张三', idNumber: makeIdNumber('19900101') };
  const good2 = { studentNo: '2025100002', name: '李四', idNumber: makeIdNumber('19910202'), phone: '13905351234' };
  const badChecksum = makeIdNumber('19920303').slice(0, 17) + '0';
  const fixedChecksum = makeIdNumber('19920303');
  const rows = [
    row(2, good1),
    row(3, good2),
    row(4, { studentNo: '1', name: '王五', idNumber: makeIdNumber('19930404') }),
    row(5, { studentNo: '2025100005', name: '', idNumber: makeIdNumber('19940505') }),
    row(6, { studentNo: '2025100006', name: '赵六', idNumber: badChecksum }),
    row(7, { studentNo: '2025100007', name: '钱七', idNumber: makeIdNumber('19950606', '990602') }),
    row(8, { studentNo: '2025100008', name: '孙八', idNumber: makeIdNumber('19960707'), phone: '12345' }),
    row(9, { studentNo: '2025100001', name: '张三', idNumber: makeIdNumber('19970808') }),
    row(10, { studentNo: '2025100010', name: '周十', idNumber: good2.idNumber }),
  ];

  it('reports every problem with its row and column, and writes nothing', async () => {
    const before = await students().count({});
    const checks = await check(rows);
    expect(checks.map((r) => r.outcome)).toEqual(['create', 'create', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid']);
    expect(problemsOf(checks)).toEqual({
      4: ['学号：学号应为 4–20 位字母或数字'],
      5: ['姓名：姓名应为 1–30 个汉字或字母'],
      6: ['证件号：证件号校验位不正确，请核对每一位（特别是最后一位）'],
      7: ['证件号：证件号前两位不是有效的地区代码，请核对'],
      8: ['手机号：手机号应为 11 位中国大陆手机号'],
      9: ['学号：文件内重复：与第 2 行学号相同'],
      10: ['证件号：文件内重复：与第 3 行证件号相同'],
    });
    expect(await students().count({})).toBe(before);
  });

  it('imports the rows that are right and reports the others; fixed and imported again, it adds only what was missing', async () => {
    const first = await importFile(rows);
    expect(first.batch).toMatchObject({ status: 'DONE', rowCount: 9, created: 2, updated: 0, unchanged: 0, invalid: 7, staffName: '李敏' });
    const stored = await students().find({ studentNo: '2025100002' });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ name: '李四', idMasked: expect.stringMatching(/^\d{4}\*{10}\d{3}[\dX]$/), phoneMasked: '139****1234', importBatchId: first.batch.batchId });
    expect(JSON.stringify(stored)).not.toContain(good2.idNumber);

    const fixed = rows.filter((r) => r.rowNumber !== 9 && r.rowNumber !== 10).map((r) => (r.rowNumber === 6 ? row(6, { studentNo: '2025100006', name: '赵六', idNumber: fixedChecksum }) : r));
    const again = await importFile(fixed.filter((r) => ![4, 5, 7, 8].includes(r.rowNumber)));
    expect(again.batch).toMatchObject({ created: 1, unchanged: 2, invalid: 0 });
    expect(await students().count({ studentNo: '2025100001' })).toBe(1);
  });

  it('the same file twice creates nothing twice', async () => {
    const before = await students().count({});
    const twice = await importFile(rows);
    expect(twice.batch).toMatchObject({ created: 0, unchanged: 2 });
    expect(await students().count({})).toBe(before);
  });
});

describe('a known student', () => {
  const person = { studentNo: '2025200001', name: '吴敏', idNumber: makeIdNumber('19880808'), phone: '13905359876' };
  beforeAll(async () => {
    await importFile([row(2, person)]);
  });

  it('is updated where the sheet differs, and the preview says from what to what', async () => {
    const changed = row(2, { ...person, className: '会计2502班' });
    const [preview] = await check([changed]);
    expect(preview).toMatchObject({ outcome: 'update', changes: [{ column: '班级', before: '会计2501班', after: '会计2502班' }] });
    const { rows } = await importFile([changed]);
    expect(rows[0]!.outcome).toBe('update');
    expect(await students().findOne({ studentNo: person.studentNo })).toMatchObject({ className: '会计2502班' });
  });

  it('keeps the ID number it has: a different one for the same 学号 is refused, and so is its ID number under another 学号', async () => {
    const [other] = await check([row(2, { ...person, idNumber: makeIdNumber('19880809') })]);
    expect(other).toMatchObject({ outcome: 'invalid', problems: [{ column: '证件号', reason: expect.stringContaining('不一致') }] });
    const [moved] = await check([row(2, { ...person, studentNo: '2025299999' })]);
    expect(moved).toMatchObject({ outcome: 'invalid', problems: [{ column: '证件号', reason: '该证件号已登记在学号 2025200001 下' }] });
  });

  it('a second row for the same student later in the same file is reported, not written over the first', async () => {
    const started = await c.api<ImportBatchView>('startImport', { kind: 'students', fileName: '分两次.xlsx', fileHash: 'a'.repeat(64), rowCount: 2 }, { token });
    const batchId = (started.result as { data: ImportBatchView }).data.batchId;
    const newcomer = { studentNo: '2025200002', name: '郑洁', idNumber: makeIdNumber('19870707') };
    await c.api('importRows', { batchId, kind: 'students', rows: [row(2, newcomer)] }, { token });
    const second = await c.api<{ rows: RowCheck[] }>('importRows', { batchId, kind: 'students', rows: [row(1002, { ...newcomer, className: '别的班' })] }, { token });
    expect(second.result).toMatchObject({ ok: true, data: { rows: [{ rowNumber: 1002, outcome: 'invalid', problems: [{ column: '学号', reason: expect.stringContaining('文件内重复') }] }] } });
    expect(await students().findOne({ studentNo: newcomer.studentNo })).toMatchObject({ className: '会计2501班' });
  });
});

describe('a whole intake in one chunk', () => {
  // More students than one plain database read returns (1,000): every one must be found again.
  const intake: Person[] = Array.from({ length: 1500 }, (_, i) => ({
    studentNo: `2025${String(400001 + i)}`,
    name: `张${'伟芳娜敏静丽强磊军洋'[i % 10]}`,
    idNumber: makeIdNumber(`197${Math.floor(i / 1000)}0101`, '370687'),
  }));
  const sheet = (className: string) => intake.map((person, i) => row(i + 2, { ...person, className }));

  it('is recognised row by row when the file comes again: changed rows are updates, the rest unchanged', async () => {
    const first = await importFile(sheet('会计2501班'), '2025级全体.xlsx');
    expect(first.batch).toMatchObject({ created: 1500, invalid: 0 });

    const moved = sheet('会计2501班').map((r, i) => (i % 2 === 0 ? r : { ...r, cells: { ...r.cells, className: '会计2502班' } }));
    const preview = await check(moved);
    expect(preview.filter((r) => r.outcome === 'update')).toHaveLength(750);
    expect(preview.filter((r) => r.outcome === 'unchanged')).toHaveLength(750);

    const again = await importFile(moved, '2025级全体（调班）.xlsx');
    expect(again.batch).toMatchObject({ created: 0, updated: 750, unchanged: 750, invalid: 0 });
    expect(await students().count({ studentNo: intake[1499]!.studentNo, className: '会计2502班' })).toBe(1);
  });
});

describe('who may import, and what an import costs', () => {
  it('only a 收费员 imports; everyone may see the batches', async () => {
    const viewer = await c.signInAs('viewer');
    expectRefused(await c.api('checkImport', { kind: 'students', rows: [row(2, { studentNo: '2025300001', name: '甲', idNumber: makeIdNumber() })] }, { token: viewer }), 403, 'FORBIDDEN');
    const list = await c.api<{ items: ImportBatchView[] }>('listImports', {}, { token: viewer });
    expect(list.result.ok && list.result.data.items.length).toBeGreaterThan(0);
  });

  it('hashes no password at import; the initial password works at the first sign-in and is hashed then', async () => {
    const person = { studentNo: '2025300002', name: '王芳', idNumber: makeIdNumber('19860606'), phone: '13905350001' };
    const before = passwordDerivationCount();
    await importFile([row(2, person)]);
    expect(passwordDerivationCount()).toBe(before);
    expect(await students().findOne({ studentNo: person.studentNo })).toMatchObject({ passwordHash: null });

    const signIn = await c.running.cloud.invoke('auth', { action: 'signIn', by: 'studentNo', account: person.studentNo, password: person.idNumber.slice(-8) }, { openid: 'o-wangfang', source: 'wx_client' });
    expect(signIn).toMatchObject({ ok: true, data: { next: 'setup' } });
    expect((await students().findOne({ studentNo: person.studentNo }))!.passwordHash).toMatch(/^\$scrypt\$/);
  });

  it('writes the start and the end of each import to the audit log', async () => {
    const entries = await collection(db(), 'auditLog').find({ action: 'admin.finishImport' });
    expect(entries.length).toBeGreaterThan(0);
    expect(entries[0]).toMatchObject({ actor: `staff:${c.openidOf('cashier')}`, details: { staffName: '李敏', role: 'cashier' } });
    expect(JSON.stringify(c.logs)).not.toMatch(/\d{17}[\dX]/);
  });
});
