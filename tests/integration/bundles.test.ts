import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildFunctions } from '../../scripts/build';
import { LocalCloud } from '../../local/cloud';
import { FUNCTIONS_ROOT, listFunctionNames } from '../../local/functions';
import { LOCAL_RECEIPT_ENV } from '../../local/receipts';
import { LOCAL_SECRET_DEFAULTS } from '../../local/seed/students';
import { insertPaidOrderDirectly, insertStudentWithSession } from '../../local/seed/paid-orders';
import { collection } from '../../cloudfunctions/shared/runtime';
import { issueAsPaymentCode } from '../support/internal-calls';
import { glyphCells, judgeGlyphs, missingGlyphCell, pdfText, renderPage } from './receipts/pdf-reading';

/** What is deployed is the bundle, so the bundle must answer exactly as the source does. */
describe('deployable function bundles', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-bundle-'));
    await buildFunctions();
  }, 60_000);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('builds one index.js per function', () => {
    for (const name of listFunctionNames()) {
      expect(statSync(path.join(FUNCTIONS_ROOT, name, 'index.js')).size).toBeGreaterThan(1000);
    }
  });

  it('answers from the bundle as from the source', async () => {
    const bundled = await LocalCloud.start({ dataDir, functions: 'bundle', logSink: () => undefined });
    try {
      const result = (await bundled.invoke('auth', { action: 'status' }, { openid: 'o-bundle' })) as { ok: boolean; data: { signedIn: boolean } };
      expect(result.ok).toBe(true);
      expect(result.data.signedIn).toBe(false);
      const refused = await bundled.invoke('auth', { action: 'nosuch' }, { openid: 'o-bundle' });
      expect(refused).toEqual({ ok: false, code: 'BAD_REQUEST', message: '不支持的操作' });
    } finally {
      await bundled.close();
    }
  });

  it('issues a receipt from the bundle with the font shipped beside it, never from a font package', async () => {
    const folder = path.join(FUNCTIONS_ROOT, 'receipts');
    // What uploads: index.js and fonts/ beside it; the cloud installs only what package.json lists.
    expect(existsSync(path.join(folder, 'fonts', 'NotoSansHans-Regular.otf'))).toBe(true);
    expect(Object.keys((JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies)).not.toContain('@embedpdf/fonts-sc');
    expect(readFileSync(path.join(folder, 'index.js'), 'utf8')).not.toContain('@embedpdf');

    const saved = { ...process.env };
    delete process.env.RECEIPT_FONT_FILE;
    Object.assign(process.env, LOCAL_SECRET_DEFAULTS, LOCAL_RECEIPT_ENV, { RECEIPT_AUTO_EMAIL: 'false' });
    const bundled = await LocalCloud.start({ dataDir: path.join(dataDir, 'receipts'), functions: 'bundle', logSink: () => undefined });
    try {
      const db = bundled.sdkDatabase();
      const student = await insertStudentWithSession(db, bundled.clock.now(), { name: '赵堃玥' });
      const order = await insertPaidOrderDirectly(db, student, bundled.clock.now());
      const issued = await issueAsPaymentCode(bundled, order._id);
      expect(issued).toMatchObject({ ok: true, data: { state: 'ISSUED', created: true } });
      const receipt = (await collection(db, 'receipts').findById(order._id))!;
      const pdf = (await bundled.storage.read(bundled.storage.cloudPathOf(receipt.pdfFileID!)!))!;
      expect(pdfText(pdf)).toContain('交款人：赵堃玥');
      expect(pdfText(pdf)).toContain('肆仟肆佰元整');
      const verdicts = judgeGlyphs(glyphCells(pdf, '赵堃玥', renderPage(pdf)), await missingGlyphCell(9.5));
      expect(verdicts.filter((v) => !v.ok)).toEqual([]);
    } finally {
      await bundled.close();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }, 60_000);
});
