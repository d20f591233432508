/**
 * Builds miniprogram/miniprogram_npm from the root package.json `dependencies` (tdesign-miniprogram,
 * @vant/weapp, dayjs), the same way WeChat DevTools' "构建 npm" does with packNpmManually.
 * Runs offline and needs neither an appid nor an upload key.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Written beside the packed packages; says which dependency versions they were packed from. */
export const BUILD_STAMP_FILE = '.build-stamp.json';

/** The packed dependencies and their installed versions, e.g. { "dayjs": "1.11.23", … }. */
export function miniprogramNpmStamp(root: string): Record<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const stamp: Record<string, string> = {};
  for (const name of Object.keys(pkg.dependencies ?? {}).sort()) {
    const installed = JSON.parse(
      fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version: string };
    stamp[name] = installed.version;
  }
  return stamp;
}

/** True when miniprogram/miniprogram_npm exists and was packed from the installed versions. */
export function isMiniprogramNpmFresh(root: string): boolean {
  const stampPath = path.join(root, 'miniprogram', 'miniprogram_npm', BUILD_STAMP_FILE);
  if (!fs.existsSync(stampPath)) return false;
  try {
    const stored = fs.readFileSync(stampPath, 'utf8').trim();
    return stored === JSON.stringify(miniprogramNpmStamp(root), null, 2);
  } catch {
    return false;
  }
}

export async function buildMiniprogramNpm(root: string): Promise<void> {
  const packageJsonPath = path.join(root, 'package.json');
  const miniprogramRoot = path.join(root, 'miniprogram');
  const outDir = path.join(miniprogramRoot, 'miniprogram_npm');

  // Start clean so a removed dependency does not linger in the upload.
  fs.rmSync(outDir, { recursive: true, force: true });

  // Loaded only when needed: miniprogram-ci takes a couple of seconds to load.
  const { packNpmManually } = await import('miniprogram-ci');
  const result = await packNpmManually({ packageJsonPath, miniprogramNpmDistDir: miniprogramRoot });
  if (result.warnList.length > 0) {
    for (const warn of result.warnList) {
      process.stderr.write(`[build-miniprogram] ${JSON.stringify(warn)}\n`);
    }
  }
  if (!fs.existsSync(outDir)) {
    throw new Error(`packNpmManually did not produce ${outDir}`);
  }
  fs.writeFileSync(path.join(outDir, BUILD_STAMP_FILE), `${JSON.stringify(miniprogramNpmStamp(root), null, 2)}\n`);
  process.stdout.write(
    `[build-miniprogram] miniprogram_npm: ${result.miniProgramPackNum} mini program package(s), ` +
      `${result.otherNpmPackNum} other package(s)\n`,
  );
}

if (require.main === module) {
  buildMiniprogramNpm(path.resolve(__dirname, '..')).catch((error: unknown) => {
    process.stderr.write(`[build-miniprogram] ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
