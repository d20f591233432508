/**
 * `npm run build`: bundles every cloud function into its deployable folder (index.js beside its
 * package.json and config.json), packs miniprogram_npm for the mini program and builds the finance
 * console into admin/dist. All are outputs, not committed.
 *   npm run build -- --functions-only    the cloud functions only
 *   npm run build -- --console-only      the console only
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { FUNCTIONS_ROOT, PROJECT_ROOT, listFunctionNames } from '../local/functions';
import { buildMiniprogramNpm } from './build-miniprogram';

/** What a function lists in its own package.json is installed by the cloud, not bundled. */
function externalsOf(fn: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(FUNCTIONS_ROOT, fn, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {});
}

/**
 * Files a function needs beside its index.js. The receipts fonts (Noto Sans SC, then JP and TC for
 * the Extension B characters SC lacks, in that fallback order) ship as one file each (8.4 + 4.5 +
 * 5.7 MB) rather than the whole font packages (31–41 MB each, every weight).
 */
const receiptFont = (packageName: string, file: string) => ({
  // The packages' exports maps name only their entry (dist/index.cjs); the fonts sit in ../fonts.
  from: () => path.join(path.dirname(require.resolve(packageName)), '..', 'fonts', file),
  to: `fonts/${file}`,
});

const FUNCTION_ASSETS: Record<string, { from: () => string; to: string }[]> = {
  receipts: [
    receiptFont('@embedpdf/fonts-sc', 'NotoSansHans-Regular.otf'),
    receiptFont('@embedpdf/fonts-jp', 'NotoSansJP-Regular.otf'),
    receiptFont('@embedpdf/fonts-tc', 'NotoSansHant-Regular.otf'),
  ],
};

/** How a function is bundled: its entry and what it imports, for Node as Cloud Development runs it. */
const functionBundle = (name: string) =>
  ({
    entryPoints: [path.join(FUNCTIONS_ROOT, name, 'index.ts')] as string[],
    outfile: path.join(FUNCTIONS_ROOT, name, 'index.js'),
    bundle: true,
    platform: 'node',
    // Cloud Development runs Node.js 16 or newer for new functions.
    target: 'node16',
    format: 'cjs',
    external: externalsOf(name),
    metafile: true,
  }) as const;

/** The project's source files whose code ends up in a function's bundle (after tree shaking). */
export async function bundledSourcesOf(name: string): Promise<string[]> {
  const result = await build({ ...functionBundle(name), write: false, logLevel: 'silent' });
  const inputs = Object.values(result.metafile.outputs).flatMap((output) => Object.entries(output.inputs));
  return inputs.filter(([file, input]) => input.bytesInOutput > 0 && !file.includes('node_modules/')).map(([file]) => file);
}

export async function buildFunctions(names: string[] = listFunctionNames()): Promise<{ name: string; bytes: number }[]> {
  const results = [];
  for (const name of names) {
    const result = await build({ ...functionBundle(name), logLevel: 'warning', legalComments: 'none' });
    for (const asset of FUNCTION_ASSETS[name] ?? []) {
      const target = path.join(FUNCTIONS_ROOT, name, asset.to);
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(asset.from(), target);
    }
    const bytes = Object.values(result.metafile.outputs).reduce((sum, out) => sum + out.bytes, 0);
    results.push({ name, bytes });
  }
  return results;
}

export const CONSOLE_ROOT = path.join(PROJECT_ROOT, 'admin');
export const CONSOLE_DIST = path.join(CONSOLE_ROOT, 'dist');

/**
 * The part of Vite's JS API used here. Vite is published as ES modules only and this project's
 * TypeScript resolves packages the CommonJS way, which cannot see its types; Node loads it fine.
 */
interface ViteChunk {
  type: 'chunk';
  fileName: string;
  code: string;
  imports: string[];
  facadeModuleId: string | null;
  viteMetadata?: { importedCss: Set<string> };
}
interface ViteAsset {
  type: 'asset';
  fileName: string;
  source: string | Uint8Array;
}
interface ViteApi {
  build(config: { root: string; configFile: string; logLevel: 'warn' }): Promise<{ output: (ViteChunk | ViteAsset)[] } | { output: (ViteChunk | ViteAsset)[] }[]>;
}
const VITE = 'vite';

export interface ConsoleLoadSize {
  files: string[];
  jsGzipBytes: number;
  cssGzipBytes: number;
}

export interface ConsoleBuild {
  /** What index.html itself loads: its script, the chunks it preloads and its stylesheets. */
  firstLoad: ConsoleLoadSize;
  /** What the sign-in page (the first page anyone sees) adds on top. */
  signInPage: ConsoleLoadSize;
  files: number;
}

function loadSize(files: string[], contentOf: (file: string) => string | Uint8Array): ConsoleLoadSize {
  let jsGzipBytes = 0;
  let cssGzipBytes = 0;
  for (const file of files) {
    const gzipped = gzipSync(contentOf(file)).length;
    if (file.endsWith('.css')) cssGzipBytes += gzipped;
    else jsGzipBytes += gzipped;
  }
  return { files, jsGzipBytes, cssGzipBytes };
}

/** The JS chunks a chunk needs before it runs (its static imports, transitively) and their CSS. */
function staticClosure(start: ViteChunk, chunks: Map<string, ViteChunk>): string[] {
  const seen = new Set<string>();
  const pending = [start.fileName];
  const css = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const chunk = chunks.get(name);
    if (!chunk) continue;
    for (const file of chunk.viteMetadata?.importedCss ?? []) css.add(file);
    pending.push(...chunk.imports);
  }
  return [...seen, ...css];
}

/** Builds the console (admin/vite.config.ts) into admin/dist with Vite's JS API. */
export async function buildConsole(): Promise<ConsoleBuild> {
  const vite = (await import(VITE)) as ViteApi;
  const result = await vite.build({ root: CONSOLE_ROOT, configFile: path.join(CONSOLE_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  const output = (Array.isArray(result) ? result : [result]).flatMap((part) => part.output);
  const contents = new Map(output.map((item) => [item.fileName, item.type === 'chunk' ? item.code : item.source]));
  const chunks = new Map(output.filter((item): item is ViteChunk => item.type === 'chunk').map((chunk) => [chunk.fileName, chunk]));
  const contentOf = (file: string): string | Uint8Array => contents.get(file) ?? readFileSync(path.join(CONSOLE_DIST, file));

  const html = String(contentOf('index.html'));
  const loaded = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="\.\/([^"]+\.(?:js|css))"/g)].map((match) => match[1]!);
  const firstLoad = loadSize(loaded, contentOf);

  const signIn = [...chunks.values()].find((chunk) => chunk.facadeModuleId?.replace(/\\/g, '/').endsWith('/src/pages/login/index.vue'));
  const signInFiles = signIn ? staticClosure(signIn, chunks).filter((file) => !loaded.includes(file)) : [];
  return { firstLoad, signInPage: loadSize(signInFiles, contentOf), files: output.length };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

export function describeConsoleBuild(built: ConsoleBuild): string[] {
  const { firstLoad, signInPage } = built;
  return [
    `  财务管理后台 admin/dist：${built.files} 个文件`,
    `    首次加载（index.html 加载的 JS + CSS，gzip）：${kb(firstLoad.jsGzipBytes + firstLoad.cssGzipBytes)}（JS ${kb(firstLoad.jsGzipBytes)} + CSS ${kb(firstLoad.cssGzipBytes)}，目标 ≤ 400 KB）`,
    `    登录页另加载：${kb(signInPage.jsGzipBytes + signInPage.cssGzipBytes)}`,
  ];
}

async function main(): Promise<void> {
  const functionsOnly = process.argv.includes('--functions-only');
  const consoleOnly = process.argv.includes('--console-only');
  const started = Date.now();
  if (!consoleOnly) {
    const functions = await buildFunctions();
    for (const { name, bytes } of functions) console.log(`  云函数 ${name.padEnd(10)} ${(bytes / 1024).toFixed(1)} KB`);
  }
  if (!functionsOnly && !consoleOnly) {
    await buildMiniprogramNpm(PROJECT_ROOT);
    console.log('  miniprogram_npm 已构建');
  }
  if (!functionsOnly) for (const line of describeConsoleBuild(await buildConsole())) console.log(line);
  console.log(`构建完成，用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
