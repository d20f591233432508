/**
 * The local cloud as a process: `tsx local/main.ts [--port N] [--data DIR] [--start-at ISO] [--bundle] [--quiet]`.
 * `--start-at` starts its clock at that moment (it runs on from there), so that tests see the
 * same fee season whatever the day they run.
 * Prints `LOCAL_CLOUD_URL=<url>` once it serves; stops cleanly on SIGINT/SIGTERM. With
 * NODE_ENV=test (how the page tests start it) it also serves the test routes that make students
 * and paid orders; `npm start` (scripts/start.ts) never does.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalCloud } from './start';
import { PROJECT_ROOT } from './functions';

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      data: { type: 'string' },
      bundle: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      'start-at': { type: 'string' },
    },
  });
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`端口无效：${values.port ?? process.env.PORT}`);
  const dataDir = path.resolve(values.data ?? process.env.LOCAL_CLOUD_DATA ?? path.join(PROJECT_ROOT, '.local-cloud'));
  const testRoutes = process.env.NODE_ENV === 'test';
  const startAt = values['start-at'] === undefined ? undefined : new Date(values['start-at']);
  if (startAt && Number.isNaN(startAt.getTime())) throw new Error(`开始时间无效：${values['start-at']}`);
  const running = await startLocalCloud({
    dataDir,
    port,
    testRoutes,
    functions: values.bundle ? 'bundle' : 'source',
    ...(startAt ? { startAt } : {}),
    ...(values.quiet ? { logSink: () => undefined } : {}),
  });
  if (testRoutes && !values.quiet) console.log('NODE_ENV=test：同时提供测试用的造数据地址（/sandbox/students 等），只用于测试。');
  console.log(`LOCAL_CLOUD_URL=${running.url}`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    if (!values.quiet) console.log(`\n收到 ${signal}，正在停止本地云…`);
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

run().catch((error: unknown) => {
  console.error('本地云启动失败：', error instanceof Error ? error.message : error);
  process.exit(1);
});
