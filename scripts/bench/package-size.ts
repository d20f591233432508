/**
 * Mini program package size: what uploads is what app.json reaches (ignoreUploadUnusedFiles), and
 * the main package must stay under WeChat's 2 MB. miniprogram-ci's offline code analysis resolves
 * pages, components and npm modules; it does not read TypeScript, so the project's own .ts files
 * are added at their source size (DevTools compiles them to about the same).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../local/functions';
import { buildMiniprogramNpm, isMiniprogramNpmFresh } from '../build-miniprogram';
import type { BenchSection } from '../bench';

const MAIN_PACKAGE_LIMIT = 2 * 1024 * 1024;
const MINIPROGRAM_ROOT = path.join(PROJECT_ROOT, 'miniprogram');

interface AnalysedFile {
  path: string;
  size: number;
  moduleId: string | null;
  subPackage: string | null;
}

function ownTypeScript(dir: string, out: { rel: string; size: number }[] = []): { rel: string; size: number }[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'miniprogram_npm' && entry.name !== 'typings') ownTypeScript(full, out);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      out.push({ rel: path.relative(MINIPROGRAM_ROOT, full), size: statSync(full).size });
    }
  }
  return out;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

export async function run(): Promise<BenchSection> {
  if (!isMiniprogramNpmFresh(PROJECT_ROOT)) await buildMiniprogramNpm(PROJECT_ROOT);
  // The analysis needs a key file to construct a project; it never signs or uploads anything.
  const keyDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-analyse-'));
  const keyPath = path.join(keyDir, 'analyse.key');
  writeFileSync(keyPath, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ci = require('miniprogram-ci') as {
    Project: new (options: Record<string, unknown>) => unknown;
    analyseCode(project: unknown): Promise<{ files: AnalysedFile[] }>;
  };
  const quiet = { log: console.log, error: console.error, warn: console.warn };
  let files: AnalysedFile[];
  try {
    // The analyser reports every TypeScript page it cannot resolve as JS; that is expected here.
    console.log = console.error = console.warn = () => undefined;
    const project = new ci.Project({ appid: 'touristappid', type: 'miniProgram', projectPath: PROJECT_ROOT, privateKeyPath: keyPath, ignores: ['node_modules/**/*'] });
    files = (await ci.analyseCode(project)).files;
  } finally {
    Object.assign(console, quiet);
    rmSync(keyDir, { recursive: true, force: true });
  }
  const reached = files.filter((f) => f.moduleId);
  const everything = files.reduce((sum, f) => sum + f.size, 0);
  const ts = ownTypeScript(MINIPROGRAM_ROOT);
  const inAdmin = (rel: string): boolean => rel.startsWith('package-admin/');
  const main = reached.filter((f) => !f.subPackage).reduce((s, f) => s + f.size, 0) + ts.filter((f) => !inAdmin(f.rel)).reduce((s, f) => s + f.size, 0);
  const admin = reached.filter((f) => f.subPackage).reduce((s, f) => s + f.size, 0) + ts.filter((f) => inAdmin(f.rel)).reduce((s, f) => s + f.size, 0);
  const npm = reached.filter((f) => f.path.startsWith('miniprogram_npm/')).reduce((s, f) => s + f.size, 0);
  return {
    title: '小程序包体积（app.json 引用到的文件）',
    rows: [
      { label: '主包', value: `${kb(main)}（上限 2048 KB，已用 ${((main / MAIN_PACKAGE_LIMIT) * 100).toFixed(0)}%）` },
      { label: '  其中 miniprogram_npm 组件', value: kb(npm) },
      { label: '财务分包 package-admin', value: kb(admin) },
      { label: '若上传全部文件（含未引用的组件）', value: kb(everything + ts.reduce((s, f) => s + f.size, 0)) },
    ],
  };
}
