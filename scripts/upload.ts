/**
 * `npm run upload -- --version x.y.z --desc "…"`: uploads the mini program as a development version
 * with WeChat's miniprogram-ci (公众平台 → 版本管理 shows it; submitting it for review stays a
 * person's step). The upload key's path comes from MINIPROGRAM_PRIVATE_KEY_PATH (environment or
 * cloudbase.env), the AppID from project.config.json.
 *
 *   --dry-run   build miniprogram_npm (when stale) and print the package sizes; nothing is uploaded,
 *               no key needed
 *   --robot n   which CI robot (1–30) the version is uploaded as (default 1)
 *
 * Before uploading it refuses a build that would not work for students: the local transport
 * (calls to 127.0.0.1), the placeholder environment id, the tourist AppID.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type * as MiniprogramCi from 'miniprogram-ci';
import { PROJECT_ROOT } from '../local/functions';
import { config as miniprogramConfig, type AppConfig } from '../miniprogram/config/index';
import { run as measurePackageSizes } from './bench/package-size';
import { loadDeploySettings, UPLOAD_KEY_VARIABLE } from './deploy/settings';
import { runFromShell, type CommandIo } from './command-line';

const VERSION_PATTERN = /^\d+\.\d+\.\d+$/;
const PLACEHOLDER_ENV_ID = 'replace-with-your-env-id';
const TOURIST_APPID = 'touristappid';

export type UploadIo = CommandIo;

/** What would make the uploaded version fail for students, in Chinese; empty when it is ready. */
export function releaseBlockers(app: Pick<AppConfig, 'transport' | 'cloudEnvId'>, appid: string): string[] {
  const blockers: string[] = [];
  if (app.transport !== 'cloud') blockers.push("miniprogram/config/index.ts 的 transport 是 'local'（调用本机 127.0.0.1），上传前改为 'cloud'");
  if (!app.cloudEnvId || app.cloudEnvId === PLACEHOLDER_ENV_ID) blockers.push('miniprogram/config/index.ts 的 cloudEnvId 还是占位值，填云开发环境 ID');
  if (!appid || appid === TOURIST_APPID) blockers.push('project.config.json 的 appid 是游客 AppID，填学校小程序的 AppID');
  return blockers;
}

function projectAppid(): string {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'project.config.json'), 'utf8')) as { appid?: string }).appid ?? '';
}

async function printPackageSizes(io: UploadIo): Promise<void> {
  const section = await measurePackageSizes();
  io.out(section.title);
  const width = Math.max(...section.rows.map((row) => row.label.length));
  for (const row of section.rows) io.out(`  ${row.label.padEnd(width)}  ${row.value}`);
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      version: { type: 'string' },
      desc: { type: 'string' },
      robot: { type: 'string', default: '1' },
      'dry-run': { type: 'boolean', default: false },
    },
    strict: true,
  }).values;
}

export async function runUpload(argv: readonly string[], io: UploadIo): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}。用法：npm run upload -- --version x.y.z --desc "说明" [--dry-run]`);
    return 2;
  }
  const dryRun = options['dry-run'];
  const robot = Number(options.robot);
  if (!dryRun && (!options.version || !VERSION_PATTERN.test(options.version))) {
    io.err('请用 --version 指定版本号，格式 x.y.z（如 1.0.3）');
    return 2;
  }
  if (!dryRun && !options.desc?.trim()) {
    io.err('请用 --desc 写明本次版本的说明（公众平台的版本管理里显示）');
    return 2;
  }
  if (!Number.isInteger(robot) || robot < 1 || robot > 30) {
    io.err('--robot 应为 1 到 30 之间的整数');
    return 2;
  }
  const appid = projectAppid();
  const blockers = releaseBlockers(miniprogramConfig, appid);

  // Packs miniprogram_npm first when it is missing or was packed from other versions.
  await printPackageSizes(io);
  if (dryRun) {
    for (const blocker of blockers) io.out(`上传前须处理：${blocker}`);
    io.out('演练：未上传');
    return 0;
  }
  if (blockers.length > 0) {
    for (const blocker of blockers) io.err(`不能上传：${blocker}`);
    return 1;
  }
  const keyPath = loadDeploySettings({ projectRoot: PROJECT_ROOT, env: io.env }).uploadKeyPath;
  if (!keyPath || !existsSync(path.resolve(PROJECT_ROOT, keyPath))) {
    io.err(`缺少小程序代码上传密钥：把 ${UPLOAD_KEY_VARIABLE} 设为密钥文件的路径（公众平台 → 开发管理 → 开发设置 → 小程序代码上传）`);
    return 1;
  }
  // Type-checked here because the upload compiles the TypeScript on WeChat's side without checking it.
  const typecheck = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(PROJECT_ROOT, 'miniprogram', 'tsconfig.json'), '--noEmit'], { stdio: 'inherit' });
  if (typecheck.status !== 0) {
    io.err('小程序类型检查未通过，未上传');
    return 1;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ci = require('miniprogram-ci') as typeof MiniprogramCi;
  const project = new ci.Project({
    appid,
    type: 'miniProgram',
    projectPath: PROJECT_ROOT,
    privateKeyPath: path.resolve(PROJECT_ROOT, keyPath),
    ignores: ['node_modules/**/*'],
  });
  const result = await ci.upload({
    project,
    version: options.version!,
    desc: options.desc!.trim(),
    robot,
    setting: { useProjectConfig: true },
    onProgressUpdate: () => undefined,
  });
  for (const info of result.subPackageInfo ?? []) io.out(`  ${info.name}：${(info.size / 1024).toFixed(1)} KB`);
  io.out(`已上传版本 ${options.version}（机器人 ${robot}）：在公众平台 → 版本管理中设为体验版或提交审核`);
  return 0;
}

if (require.main === module) runFromShell(runUpload);
