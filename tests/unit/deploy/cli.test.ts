/**
 * `npm run deploy` as the IT person runs it: the dry run with no credentials and no network, the
 * check against a recorded environment, and a deploy that refuses to send half a configuration.
 * No secret value ever reaches the terminal.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENVIRONMENT_VARIABLES, variablesOf } from '../../../cloudfunctions/shared/runtime/environment';
import { ALL_COLLECTIONS } from '../../../cloudfunctions/shared/schema';
import { listFunctionNames, PROJECT_ROOT, readFunctionConfig } from '../../../local/functions';
import type { EnvironmentDescription } from '../../../scripts/deploy/cloud-environment';
import { planDeployment } from '../../../scripts/deploy/plan';
import { asSecrets, deployCli, deployedDescription, EMPTY_ENVIRONMENT, ENV_ID, requiredValues, scratchRoot } from './support';

const root = scratchRoot();
afterAll(() => root.remove());

const values = requiredValues();
const credentials = { TCB_SECRET_ID: 'AKIDtestSecretIdValue0123456789', TCB_SECRET_KEY: 'testSecretKeyValue-9f8e7d6c5b4a' };
const secretValues = [
  ...ENVIRONMENT_VARIABLES.filter((spec) => spec.secret && values[spec.name]).map((spec) => values[spec.name]!),
  ...Object.values(credentials),
  'smtp-password-8c1f',
];

function writeRecording(name: string, description: EnvironmentDescription): string {
  const file = path.join(root.dir, name);
  writeFileSync(file, JSON.stringify(description, null, 2));
  return file;
}

describe('npm run deploy -- --dry-run', () => {
  it('prints every collection, index, function, timer and variable, with no credentials and no network', async () => {
    const run = await deployCli(['--env', ENV_ID, '--dry-run'], { projectRoot: root.dir });
    expect(run.code).toBe(0);
    for (const collection of ALL_COLLECTIONS) {
      expect(run.text).toContain(`  ${collection.name}`);
      for (const index of collection.indexes) expect(run.text).toContain(`索引 ${index.fields.map((f) => `${f}_1`).join('_')}：${index.fields.join(' + ')}`);
    }
    for (const name of listFunctionNames()) {
      expect(run.text).toContain(`  ${name}：运行时`);
      for (const trigger of readFunctionConfig(name).triggers ?? []) expect(run.text).toContain(`定时触发器 ${trigger.name}：${trigger.config}`);
      for (const spec of variablesOf(name)) expect(run.text).toContain(`环境变量 ${spec.name}（`);
    }
    expect(run.text).toContain('演练：未连接网络，未发送任何内容');
  });

  it('lists each missing required variable under its function', async () => {
    const run = await deployCli(['--env', ENV_ID, '--dry-run'], { projectRoot: root.dir });
    const section = run.out.slice(run.out.findIndex((line) => line.startsWith('缺少或不可用的环境变量')));
    expect(section).toEqual(expect.arrayContaining(['  auth：IDENTITY_HMAC_KEY 未设置', '  pay：PAY_SUB_MCH_ID 未设置；INTERNAL_CALL_SECRET 未设置', '  receipts：INTERNAL_CALL_SECRET 未设置；RECEIPT_CHECK_SECRET 未设置']));
  });

  it('runs from npm with nothing but the checkout', () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TCB_')));
    const result = spawnSync('npm', ['run', '--silent', 'deploy', '--', '--env', ENV_ID, '--dry-run'], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`部署计划：云开发环境 ${ENV_ID}`);
  }, 60_000);
});

describe('npm run deploy -- --check', () => {
  it('against a recording that lacks an index and has another timer, reports exactly that', async () => {
    const deployed = await deployedDescription(planDeployment({ envId: ENV_ID, values: asSecrets(values) }));
    const file = writeRecording('drifted.json', {
      ...deployed,
      collections: deployed.collections.map((c) => (c.name === 'bills' ? { ...c, indexes: c.indexes.filter((i) => !i.unique) } : c)),
      functions: deployed.functions.map((f) => (f.name === 'receipts' ? { ...f, triggers: [{ name: 'receiptsSweep', type: 'timer' as const, config: '0 0 * * * * *' }] } : f)),
    });
    const run = await deployCli(['--env', ENV_ID, '--check', '--recorded', file], { projectRoot: root.dir, env: values });
    expect(run.code).toBe(1);
    expect(run.out.filter((line) => line.trimStart().startsWith('- '))).toEqual([
      '    - 集合 bills 缺少索引 studentId_1_term_1_itemCode_1：studentId + term + itemCode，唯一 — 重复导入不会产生第二张同项账单',
      '    - 云函数 receipts 的定时触发器 receiptsSweep 是 0 0 * * * * *，应为 0 * * * * * *',
    ]);
  });

  it('says so when the environment matches', async () => {
    const file = writeRecording('in-sync.json', await deployedDescription(planDeployment({ envId: ENV_ID, values: asSecrets(values) })));
    const run = await deployCli(['--env', ENV_ID, '--check', '--recorded', file], { projectRoot: root.dir, env: values });
    expect(run.code).toBe(0);
    expect(run.out).toEqual([`云开发环境 ${ENV_ID} 与仓库声明一致`]);
  });

  it('asks for the API keys, by name, before reaching for a live environment', async () => {
    const run = await deployCli(['--env', ENV_ID, '--check'], { projectRoot: root.dir });
    expect(run.code).toBe(1);
    expect(run.err.join('\n')).toContain('缺少腾讯云 API 密钥：TCB_SECRET_ID、TCB_SECRET_KEY');
  });
});

describe('npm run deploy', () => {
  it('refuses to send anything while a function lacks a required variable, naming each by function', async () => {
    const file = writeRecording('empty.json', EMPTY_ENVIRONMENT);
    const { IDENTITY_HMAC_KEY: _omitted, ...withoutKey } = values;
    const run = await deployCli(['--env', ENV_ID, '--recorded', file], { projectRoot: root.dir, env: withoutKey });
    expect(run.code).toBe(1);
    expect(run.err).toEqual(expect.arrayContaining(['  auth：IDENTITY_HMAC_KEY 未设置', '未发送任何内容']));
    expect(run.out.some((line) => line.includes('✓'))).toBe(false);
  });

  it('creates everything in an empty environment, then finds nothing left to do', async () => {
    const file = writeRecording('fresh.json', EMPTY_ENVIRONMENT);
    const run = await deployCli(['--env', ENV_ID, '--recorded', file], { projectRoot: root.dir, env: values });
    expect(run.code).toBe(0);
    expect(run.out).toContain('  ✓ 创建索引 orders.outTradeNo_1（outTradeNo，唯一）');
    expect(run.out.at(-1)).toBe('完成：环境与仓库声明一致');
  });
});

describe('secrets', () => {
  const withSettings = scratchRoot();
  afterAll(() => withSettings.remove());

  it('never appear in what deploy prints, whatever the mode, nor in a recorded description', async () => {
    const projectRoot = withSettings.dir;
    writeFileSync(path.join(projectRoot, 'cloudbase.env'), Object.entries({ ...credentials, SMTP_PASS: 'smtp-password-8c1f' }).map(([k, v]) => `${k}=${v}`).join('\n'));
    const deployed = await deployedDescription(planDeployment({ envId: ENV_ID, values: asSecrets({ ...values, SMTP_PASS: 'smtp-password-8c1f' }) }));
    const drifted = writeRecording('secrets.json', { ...deployed, functions: deployed.functions.map((f) => ({ ...f, variables: {} })) });
    const runs = [
      await deployCli(['--env', ENV_ID, '--dry-run'], { projectRoot, env: values }),
      await deployCli(['--env', ENV_ID, '--dry-run', '--recorded', drifted], { projectRoot, env: values }),
      await deployCli(['--env', ENV_ID, '--check', '--recorded', drifted], { projectRoot, env: values }),
      await deployCli(['--env', ENV_ID, '--recorded', drifted], { projectRoot, env: values }),
    ];
    expect(runs[0]!.text).toContain('变量取自：进程环境变量（优先）、cloudbase.env');
    expect(runs[0]!.text).toContain('IDENTITY_HMAC_KEY（必填，密钥，至少 32 个字符）已设置（值不显示）');
    expect(runs[3]!.text).toContain('环境变量 IDENTITY_HMAC_KEY');
    const printed = runs.map((run) => run.text).join('\n') + readFileSync(drifted, 'utf8') + JSON.stringify(deployed);
    for (const secret of secretValues) expect(printed).not.toContain(secret);
  });
});
