/**
 * `npm run build`: bundles every cloud function into its deployable folder (index.js beside its
 * package.json and config.json) and packs miniprogram_npm for the mini program. Both are outputs,
 * not committed.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { FUNCTIONS_ROOT, PROJECT_ROOT, listFunctionNames } from '../local/functions';
import { buildMiniprogramNpm } from './build-miniprogram';

/** What a function lists in its own package.json is installed by the cloud, not bundled. */
function externalsOf(fn: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(FUNCTIONS_ROOT, fn, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {});
}

/**
 * Files a function needs beside its index.js. The receipts font ships as one file (8 MB) rather
 * than the whole font package (41 MB, five weights) to keep the deployed function small.
 */
const FUNCTION_ASSETS: Record<string, { from: () => string; to: string }[]> = {
  receipts: [
    {
      from: () => path.join(path.dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts', 'NotoSansHans-Regular.otf'),
      to: 'fonts/NotoSansHans-Regular.otf',
    },
  ],
};

export async function buildFunctions(names: string[] = listFunctionNames()): Promise<{ name: string; bytes: number }[]> {
  const results = [];
  for (const name of names) {
    const outfile = path.join(FUNCTIONS_ROOT, name, 'index.js');
    const result = await build({
      entryPoints: [path.join(FUNCTIONS_ROOT, name, 'index.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      // Cloud Development runs Node.js 16 or newer for new functions.
      target: 'node16',
      format: 'cjs',
      external: externalsOf(name),
      metafile: true,
      logLevel: 'warning',
      legalComments: 'none',
    });
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

async function main(): Promise<void> {
  const only = process.argv.includes('--functions-only');
  const started = Date.now();
  const functions = await buildFunctions();
  for (const { name, bytes } of functions) console.log(`  云函数 ${name.padEnd(10)} ${(bytes / 1024).toFixed(1)} KB`);
  if (!only) {
    await buildMiniprogramNpm(PROJECT_ROOT);
    console.log('  miniprogram_npm 已构建');
  }
  console.log(`构建完成，用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
