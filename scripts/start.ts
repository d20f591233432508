/**
 * `npm start`: builds, then runs the whole system locally — every cloud function (the built
 * bundles, as deployed) on the local cloud with demo data, and the finance console — and prints
 * how to use it.
 *   npm start -- --reset    start from empty data (demo data is seeded again)
 *   PORT=3100 npm start     another port (the mini program's config/index.ts must match)
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../local/functions';
import { seedDemoData } from '../local/seed';
import { startLocalCloud } from '../local/start';
import { startTimers } from '../local/timers';
import { ROLE_LABELS } from '../cloudfunctions/shared/staff/contract';
import { buildConsole, buildFunctions, describeConsoleBuild } from './build';
import { buildMiniprogramNpm, isMiniprogramNpmFresh } from './build-miniprogram';

async function main(): Promise<void> {
  const dataDir = path.resolve(process.env.LOCAL_CLOUD_DATA ?? path.join(PROJECT_ROOT, '.local-cloud'));
  if (process.argv.includes('--reset')) {
    rmSync(dataDir, { recursive: true, force: true });
    console.log(`已清空本地数据：${dataDir}`);
  }
  console.log('构建云函数、miniprogram_npm 与财务管理后台 …');
  await buildFunctions();
  if (!isMiniprogramNpmFresh(PROJECT_ROOT)) await buildMiniprogramNpm(PROJECT_ROOT);
  for (const line of describeConsoleBuild(await buildConsole())) console.log(line);

  const port = Number(process.env.PORT ?? 3000);
  const running = await startLocalCloud({ dataDir, port, functions: 'bundle' });
  const seed = await seedDemoData(running.cloud);
  const timers = startTimers(running.cloud, (fn, trigger, error) => console.error(`定时触发器 ${fn}/${trigger} 失败：`, error));

  console.log('');
  console.log(`本地云已启动：${running.url}`);
  console.log('  仅监听 127.0.0.1，并信任请求头 x-wx-openid 所述的调用者身份：只用于开发、演示与测试。');
  console.log(`  数据目录：${dataDir}（重启后保留；npm start -- --reset 清空重来）`);
  console.log(`  云函数：${running.cloud.listFunctions().join(', ')}`);
  console.log('  只接受 Host 为 127.0.0.1 或 localhost 的请求，POST 请求体须为 JSON（Content-Type: application/json）。');
  console.log(
    `  试一下：curl -s -X POST ${running.url}/functions/auth -H 'content-type: application/json' -H 'x-wx-openid: demo-openid' -d '{"action":"status"}'`,
  );
  console.log('');
  if (seed.accounts.length > 0) {
    console.log('演示学生（证件号为虚构号码，仅本地演示时完整显示）：');
    for (const account of seed.accounts) {
      const activation = account.activationCode ? `  激活码 ${account.activationCode}` : '';
      console.log(`  ${account.name}  学号 ${account.studentNo}  证件号 ${account.idNumber}  初始密码 ${account.initialPassword}${activation}  ${account.note}`);
    }
    console.log(`  账单：${seed.bills} 张`);
  }
  console.log('');
  console.log(`财务管理后台：${running.url}/admin/`);
  console.log('  登录页显示小程序码；本地云没有真实的微信，用登录页下方的“模拟扫码”：选一个角色，点“模拟扫码”，即以该角色的演示财务人员扫码并确认。');
  console.log('  演示财务人员：');
  for (const member of seed.staff) console.log(`    ${member.name}  ${ROLE_LABELS[member.role]}`);
  console.log('');
  console.log('微信开发者工具：导入本项目，勾选“不校验合法域名”，把 miniprogram/config/index.ts 的 transport 设为 local。');
  console.log('按 Ctrl-C 停止。');

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('\n正在停止本地云…');
    timers.stop();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('启动失败：', error);
  process.exit(1);
});
