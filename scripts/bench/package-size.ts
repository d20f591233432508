/**
 * Mini program package size: what uploads is what app.json reaches (ignoreUploadUnusedFiles), and
 * the main package must stay under WeChat's 2 MB. miniprogram-ci's offline code analysis resolves
 * pages, components and npm modules; it does not read TypeScript, so the project's own .ts files
 * that app.json reaches (pages, components and what they import) are added at their source size
 * (DevTools compiles them to about the same), and so are the npm modules they import (dayjs), in
 * the main package when anything there imports them.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../local/functions';
import { buildMiniprogramNpm, isMiniprogramNpmFresh, npmImports, reachedComponents, runtimeSpecifiers } from '../build-miniprogram';
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
      out.push({ rel: path.relative(MINIPROGRAM_ROOT, full).split(path.sep).join('/'), size: statSync(full).size });
    }
  }
  return out;
}

/** A relative import as the TypeScript file it names ("./view-model" → view-model.ts), if it is one. */
function tsFileOf(fromFile: string, specifier: string): string | null {
  const base = path.resolve(path.dirname(fromFile), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((file) => existsSync(file)) ?? null;
}

/**
 * The project's TypeScript that uploads: app.ts, every page and component app.json reaches, and
 * what they import at run time (a file only other code's `import type` names uploads nothing).
 */
function reachedTypeScript(): { rel: string; size: number }[] {
  const queue = [path.join(MINIPROGRAM_ROOT, 'app.ts')];
  for (const { base } of reachedComponents(PROJECT_ROOT)) {
    if (!base.includes(`${path.sep}miniprogram_npm${path.sep}`) && existsSync(`${base}.ts`)) queue.push(`${base}.ts`);
  }
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of runtimeSpecifiers(file)) {
      const imported = specifier.startsWith('.') ? tsFileOf(file, specifier) : null;
      if (imported) queue.push(imported);
    }
  }
  return [...seen].map((file) => ({ rel: path.relative(MINIPROGRAM_ROOT, file).split(path.sep).join('/'), size: statSync(file).size }));
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** The subpackages app.json declares: root folder and name. */
function subPackages(): { root: string; name: string }[] {
  const app = JSON.parse(readFileSync(path.join(MINIPROGRAM_ROOT, 'app.json'), 'utf8')) as {
    subPackages?: { root: string; name?: string }[];
  };
  return (app.subPackages ?? []).map((sub) => ({ root: sub.root.replace(/\/+$/, ''), name: sub.name ?? sub.root }));
}

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
  const subs = subPackages();
  const packageOf = (rel: string): string | null => subs.find((sub) => rel.startsWith(`${sub.root}/`))?.root ?? null;
  const sized: { rel: string; size: number; pkg: string | null; npm: boolean }[] = [
    ...reached.map((f) => ({ rel: f.path, size: f.size, pkg: f.subPackage ? packageOf(f.path) ?? f.subPackage : null, npm: f.path.startsWith('miniprogram_npm/') })),
    ...reachedTypeScript().map((f) => ({ rel: f.rel, size: f.size, pkg: packageOf(f.rel), npm: false })),
    // A module imported from the main package is packed in the main package.
    ...npmImports(PROJECT_ROOT).map((m) => ({
      rel: m.packedPath,
      size: statSync(path.join(MINIPROGRAM_ROOT, m.packedPath)).size,
      pkg: m.importers.some((importer) => packageOf(importer) === null) ? null : packageOf(m.importers[0] as string),
      npm: true,
    })),
  ];
  const total = (pkg: string | null): number => sized.filter((f) => f.pkg === pkg).reduce((s, f) => s + f.size, 0);
  const main = total(null);
  const npm = sized.filter((f) => f.pkg === null && f.npm).reduce((s, f) => s + f.size, 0);
  return {
    title: '小程序包体积（app.json 引用到的文件）',
    rows: [
      { label: '主包', value: `${kb(main)}（上限 2048 KB，已用 ${((main / MAIN_PACKAGE_LIMIT) * 100).toFixed(0)}%）` },
      { label: '  其中 miniprogram_npm', value: kb(npm) },
      ...subs.map((sub) => ({ label: `分包 ${sub.root}（${sub.name}）`, value: kb(total(sub.root)) })),
      { label: '若上传全部文件（含未引用的组件）', value: kb(everything + ownTypeScript(MINIPROGRAM_ROOT).reduce((s, f) => s + f.size, 0)) },
    ],
  };
}
