/**
 * The finance console at the scale of a fee season: importing 50,000 bill rows end to end (the
 * file read as the browser reads it, then checked and imported chunk by chunk through the admin
 * function's HTTP entry), the dashboard over those bills, and the console's first load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import type { BenchSection } from '../bench';
import { LocalCloud } from '../../local/cloud';
import { installSandboxes } from '../../local/sandboxes';
import { seedFeeItems } from '../../local/seed/bills';
import { confirmConsoleSignInAs, seedDemoStaff } from '../../local/seed/staff';
import { collection } from '../../cloudfunctions/shared/runtime';
import { REQUEST_BODY_TYPES, REQUEST_COMPRESS_FROM_BYTES } from '../../cloudfunctions/shared/kernel/contract';
import { IMPORT_CHUNK_ROWS, IMPORT_COLUMNS, type ImportRow } from '../../cloudfunctions/shared/imports/contract';
import { buildConsole, describeConsoleBuild } from '../build';

const STUDENTS = Number(process.env.BENCH_CONSOLE_STUDENTS ?? 10_000);
const ITEMS = [
  { term: '2026-2027-1', itemName: '学费', amount: '3200.00' },
  { term: '2026-2027-1', itemName: '教材费', amount: '450.50' },
  { term: '2026-2027-1', itemName: '住宿费', amount: '1200' },
  { term: '2026-2027-2', itemName: '学费', amount: '3200.00' },
  { term: '2026-2027-2', itemName: '教材费', amount: '380' },
];
const ORIGIN = 'http://bench.console.local';
const COLLEGES = ['经济管理学院', '法学院', '信息工程学院', '外国语学院', '教育学院'];

interface Call {
  status: number;
  body: { ok: boolean; data?: unknown; message?: string };
  roundTrips: number;
}

const studentNoOf = (i: number): string => `2026${String(i).padStart(6, '0')}`;

/** The bills sheet as the office would fill it in. */
async function billsWorkbook(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('账单');
  sheet.addRow(IMPORT_COLUMNS.bills.map((column) => column.header));
  for (let i = 1; i <= STUDENTS; i += 1) {
    for (const item of ITEMS) sheet.addRow([studentNoOf(i), item.term, item.itemName, Number(item.amount), item.term.endsWith('-1') ? '2026-12-31' : '2027-03-31', '']);
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The file read into rows the way the console reads it: header → column key, each cell as text. */
async function readSheet(file: Buffer): Promise<ImportRow[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const keys: string[] = [];
  sheet.getRow(1).eachCell((cell, column) => {
    keys[column] = IMPORT_COLUMNS.bills.find((c) => c.header === String(cell.value).trim())?.key ?? '';
  });
  const rows: ImportRow[] = [];
  sheet.eachRow((row, rowNumber) => {
    if (rowNumber === 1) return;
    const cells: Record<string, string> = {};
    row.eachCell((cell, column) => {
      const key = keys[column];
      if (key) cells[key] = typeof cell.value === 'number' ? cell.value.toFixed(2) : String(cell.value ?? '').trim();
    });
    rows.push({ rowNumber, cells });
  });
  return rows;
}

export async function run(): Promise<BenchSection> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-bench-console-'));
  process.env.ADMIN_ALLOWED_ORIGINS = ORIGIN;
  const cloud = await LocalCloud.start({ dataDir, logSink: () => undefined, startAt: new Date('2026-11-28T02:00:00Z') });
  installSandboxes(cloud, null);
  const rows: BenchSection['rows'] = [];
  try {
    const db = cloud.sdkDatabase();
    const at = cloud.clock.now();
    await seedFeeItems(db, at);
    await seedDemoStaff(db, at);
    const students = collection(db, 'students');
    for (let start = 1; start <= STUDENTS; start += 1000) {
      const docs = [];
      for (let i = start; i < start + 1000 && i <= STUDENTS; i += 1) {
        const studentNo = studentNoOf(i);
        docs.push({
          studentNo, name: `学生${i}`, idHash: `bench-${studentNo}`, idMasked: '3706**********0000', idRunHashes: [],
          college: COLLEGES[i % COLLEGES.length]!, major: '会计学', grade: `${2023 + (i % 3)}级`, className: '会计1班',
          phoneHash: null, phoneMasked: null, phoneVerifiedAt: null, email: null, passwordHash: null, mustChangePassword: true,
          setupCompletedAt: null, passwordChangedAt: null, boundOpenids: [], createdAt: at, updatedAt: at,
        });
      }
      await students.insertMany(docs);
    }

    let token = '';
    const call = async (action: string, body: Record<string, unknown> = {}): Promise<Call> => {
      // As the console sends it and the access service passes it on: a large request gzip-compressed, base64-encoded.
      const json = JSON.stringify(body);
      const large = Buffer.byteLength(json) > REQUEST_COMPRESS_FROM_BYTES;
      const event = {
        path: `/admin/api/${action}`,
        httpMethod: 'POST',
        headers: {
          origin: ORIGIN,
          'content-type': large ? REQUEST_BODY_TYPES.gzipJson : REQUEST_BODY_TYPES.json,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: large ? gzipSync(json).toString('base64') : json,
        isBase64Encoded: large,
        requestContext: { sourceIp: '10.0.0.8' },
      };
      const { result, stats } = await cloud.invokeWithStats('admin', event, {});
      const answer = result as { statusCode: number; body: string };
      return { status: answer.statusCode, body: JSON.parse(answer.body) as Call['body'], roundTrips: stats.roundTrips };
    };
    const started = await call('startSignIn');
    const { ticket, pollKey } = started.body.data as { ticket: string; pollKey: string };
    await confirmConsoleSignInAs(cloud, ticket, 'cashier');
    token = ((await call('pollSignIn', { ticket, pollKey })).body.data as { token: string }).token;
    await call('me');
    const sessionCheck = (await call('me')).roundTrips;

    const file = await billsWorkbook();
    // The fastest of three reads: one read alone swings with the garbage collector by half or more,
    // and the fastest is the strictest measure to hold the whole import against.
    const parseRuns: number[] = [];
    for (let run = 0; run < 3; run += 1) {
      const parseStarted = performance.now();
      await readSheet(file);
      parseRuns.push(performance.now() - parseStarted);
    }
    const parseMs = Math.min(...parseRuns);

    const importStarted = performance.now();
    const sheetRows = await readSheet(file);
    const chunks: ImportRow[][] = [];
    for (let i = 0; i < sheetRows.length; i += IMPORT_CHUNK_ROWS) chunks.push(sheetRows.slice(i, i + IMPORT_CHUNK_ROWS));
    const readMs = performance.now() - importStarted;
    const answeringBeforeCheck = cloud.database.answeringTime();
    const checkStarted = performance.now();
    let checkTrips = 0;
    let importTrips = 0;
    let calls = 0;
    let invalid = 0;
    for (const chunk of chunks) {
      const checked = await call('checkImport', { kind: 'bills', rows: chunk });
      if (!checked.body.ok) throw new Error(`checkImport: ${checked.body.message}`);
      invalid += (checked.body.data as { rows: { outcome: string }[] }).rows.filter((row) => row.outcome === 'invalid').length;
      checkTrips += checked.roundTrips;
      calls += 1;
    }
    const checkMs = performance.now() - checkStarted;
    const answeringBeforeImport = cloud.database.answeringTime();
    const batch = await call('startImport', { kind: 'bills', fileName: '2026-2027 账单.xlsx', fileHash: 'f'.repeat(64), rowCount: sheetRows.length });
    const { batchId } = batch.body.data as { batchId: string };
    importTrips += batch.roundTrips;
    calls += 1;
    for (const chunk of chunks) {
      const imported = await call('importRows', { batchId, kind: 'bills', rows: chunk });
      if (!imported.body.ok) throw new Error(`importRows: ${imported.body.message}`);
      importTrips += imported.roundTrips;
      calls += 1;
    }
    const finished = await call('finishImport', { batchId });
    importTrips += finished.roundTrips;
    calls += 1;
    const totalMs = performance.now() - importStarted;
    const answeringAfterImport = cloud.database.answeringTime();
    const created = (finished.body.data as { created: number }).created;
    const ownTrips = checkTrips + importTrips - calls * sessionCheck;

    rows.push({ label: `导入 ${sheetRows.length.toLocaleString('en-US')} 行账单（${chunks.length} 块，每块 ≤ ${IMPORT_CHUNK_ROWS} 行）`, value: `新增 ${created}，有错误 ${invalid}` });
    rows.push({ label: '  只读取文件（exceljs，三次中最快）', value: `${(parseMs / 1000).toFixed(1)} s` });
    rows.push({ label: '  其中：读取 / 预览检查 / 确认导入', value: `${(readMs / 1000).toFixed(1)} s / ${(checkMs / 1000).toFixed(1)} s / ${((totalMs - readMs - checkMs) / 1000).toFixed(1)} s` });
    rows.push({
      label: '  其中在本地数据库内：预览检查 / 确认导入',
      value: `${((answeringBeforeImport - answeringBeforeCheck) / 1000).toFixed(1)} s / ${((answeringAfterImport - answeringBeforeImport) / 1000).toFixed(1)} s`,
    });
    rows.push({ label: '  全程：读取、预览检查、确认导入', value: `${(totalMs / 1000).toFixed(1)} s（读取的 ${(totalMs / parseMs).toFixed(2)} 倍，目标 ≤ 2 倍）` });
    // In production the database is a service of its own: what the import costs without the local
    // database's answering time is the part that stays in the browser and the function.
    const withoutDatabaseMs = totalMs - (answeringAfterImport - answeringBeforeCheck);
    rows.push({ label: '  全程除去本地数据库的应答', value: `${(withoutDatabaseMs / 1000).toFixed(1)} s（读取的 ${(withoutDatabaseMs / parseMs).toFixed(2)} 倍）` });
    rows.push({
      label: '  数据库往返（不含每次请求的会话核对）',
      value: `${ownTrips}（每 500 行 ${((ownTrips * 500) / sheetRows.length).toFixed(2)}，目标 ≤ 1；预览 ${checkTrips - chunks.length * sessionCheck}，导入 ${importTrips - (chunks.length + 2) * sessionCheck}）`,
    });
    rows.push({ label: '  会话核对（每次请求）', value: `${sessionCheck}` });

    const dashboardStarted = performance.now();
    const dashboard = await call('dashboard', { term: '2026-2027-1' });
    const dashboardMs = performance.now() - dashboardStarted;
    const totals = (dashboard.body.data as { totals: { billCount: number } }).totals;
    rows.push({ label: `概览（${totals.billCount.toLocaleString('en-US')} 张本学期账单，共 ${(await collection(db, 'bills').count({})).toLocaleString('en-US')} 张）`, value: `${dashboard.roundTrips - sessionCheck} 次数据库往返（目标 ≤ 5），${dashboardMs.toFixed(0)} ms` });
  } finally {
    await cloud.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (process.env.BENCH_SKIP_CONSOLE_BUILD !== '1') {
    for (const line of describeConsoleBuild(await buildConsole())) rows.push({ label: line.trim().split('：')[0] ?? line, value: line.trim().split('：').slice(1).join('：') });
  }
  return { title: '财务管理后台（本地云）', rows };
}
