/**
 * `npm run office -- <办理事项> …`: what 计划财务处 does to a student's account by hand, until the
 * finance console offers the same actions (it will call the same code, cloudfunctions/shared/students/office.ts).
 * Every step is written to the audit log with the operator and the reason.
 *
 *   activation-code --student-no <学号> --operator <经办人> --reason <原因>
 *       an activation code for a student the school registered no phone for (first sign-in)
 *   reset-account --student-no <学号> --id-number <证件号> --operator <经办人> --reason <原因> [--phone <手机号>]
 *       undo a first sign-in somebody else completed: phone and WeChat accounts unbound, sessions
 *       ended, initial password back, and a new activation code (or the given phone put on file)
 *
 * Where: the local cloud's data (default; stop `npm start` first), or `--env <环境ID>` for a
 * CloudBase environment, with the API key of a sub-account allowed to use its database in
 * TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY and the functions' IDENTITY_HMAC_KEY in the
 * environment.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import cloudSdk from 'wx-server-sdk';
import { issueActivationCode, resetStudentAccount, type OfficeActor } from '../cloudfunctions/shared/students/office';
import { type Database, type WxCloud } from '../cloudfunctions/shared/runtime';
import { PROJECT_ROOT } from '../local/functions';
import { LocalCloud } from '../local/cloud';
import { applyLocalSecretDefaults } from '../local/seed/students';

const USAGE = `用法：
  npm run office -- activation-code --student-no <学号> --operator <经办人> --reason <原因> [--env <环境ID>]
  npm run office -- reset-account --student-no <学号> --id-number <证件号> --operator <经办人> --reason <原因> [--phone <手机号>] [--env <环境ID>]`;

interface Target {
  db: Database;
  now(): Date;
  close(): Promise<void>;
}

/** The local cloud's data folder, opened directly (the server must not be running: one writer at a time). */
async function openLocal(): Promise<Target> {
  const port = Number(process.env.PORT ?? 3000);
  const running = await fetch(`http://127.0.0.1:${port}/health`).then(
    () => true,
    () => false,
  );
  if (running) throw new Error(`本地云正在运行（端口 ${port}）。请先停止 npm start，再办理。`);
  applyLocalSecretDefaults();
  const dataDir = path.resolve(process.env.LOCAL_CLOUD_DATA ?? path.join(PROJECT_ROOT, '.local-cloud'));
  const cloud = await LocalCloud.start({ dataDir });
  return { db: cloud.sdkDatabase(), now: () => cloud.clock.now(), close: () => cloud.close() };
}

function openEnvironment(env: string): Target {
  const secretId = process.env.TENCENTCLOUD_SECRETID;
  const secretKey = process.env.TENCENTCLOUD_SECRETKEY;
  if (!secretId || !secretKey) throw new Error('请设置环境变量 TENCENTCLOUD_SECRETID 与 TENCENTCLOUD_SECRETKEY（可访问该环境数据库的子账号密钥）');
  const cloud = cloudSdk as unknown as WxCloud & { init(options: Record<string, unknown>): void };
  cloud.init({ env, secretId, secretKey });
  return { db: cloud.database(), now: () => new Date(), close: async () => undefined };
}

function required(values: Record<string, string | undefined>, name: string): string {
  const value = values[name]?.trim();
  if (!value) throw new Error(`缺少 --${name}\n${USAGE}`);
  return value;
}

const shanghai = (at: Date): string => at.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'student-no': { type: 'string' },
      'id-number': { type: 'string' },
      operator: { type: 'string' },
      reason: { type: 'string' },
      phone: { type: 'string' },
      env: { type: 'string' },
    },
  });
  const [task] = positionals;
  if (task !== 'activation-code' && task !== 'reset-account') throw new Error(USAGE);
  const by: OfficeActor = { staff: required(values, 'operator') };
  const studentNo = required(values, 'student-no');
  const reason = required(values, 'reason');
  const target = values.env ? openEnvironment(values.env) : await openLocal();
  try {
    if (task === 'activation-code') {
      const issued = await issueActivationCode(target.db, { studentNo, reason }, by, target.now());
      console.log(`学号 ${issued.studentNo} 的激活码：${issued.activationCode}（${shanghai(issued.expiresAt)} 前有效，只显示这一次）`);
      console.log('请在核实学生本人身份后告知；学生首次登录时在“激活账号”一步输入。');
      return;
    }
    const reset = await resetStudentAccount(
      target.db,
      { studentNo, idNumber: required(values, 'id-number'), reason, phone: values.phone ?? null },
      by,
      target.now(),
    );
    console.log(`学号 ${reset.studentNo} 已重置：手机号与微信已解除绑定，密码恢复为初始密码，结束了 ${reset.sessionsEnded} 个登录。`);
    if (reset.activation) {
      console.log(`新的激活码：${reset.activation.activationCode}（${shanghai(reset.activation.expiresAt)} 前有效，只显示这一次）`);
    } else {
      console.log(`已登记手机号 ${reset.phoneOnFile}：学生首次登录时用该号码所在的微信验证。`);
    }
  } finally {
    await target.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
