import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildFunctions } from '../../scripts/build';
import { LocalCloud } from '../../local/cloud';
import { FUNCTIONS_ROOT, listFunctionNames } from '../../local/functions';

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
});
