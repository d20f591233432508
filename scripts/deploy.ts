/**
 * `npm run deploy -- --env <环境ID>`: brings a CloudBase environment to what the repository
 * declares — every collection and index (cloudfunctions/shared/schema.ts), every function with its
 * config.json and its declared environment variables, and later the finance console on static
 * hosting — through Tencent's @cloudbase/manager-node.
 *
 *   --dry-run             print the full plan and the variables each function lacks; no network,
 *                         no credentials (with --recorded: also what a deploy would change)
 *   --check               compare the environment with the plan and list the drift (exit 1 if any)
 *   --describe <file>     write what the environment holds as JSON (variable values as fingerprints)
 *   --recorded <file>     use such a JSON file instead of the live environment
 *   --settings <file>     credentials and variable values (default cloudbase.env; the process
 *                         environment wins)
 *
 * Before anything is sent, a deploy refuses to start while a function lacks a required variable or
 * has one production would refuse. Values of secrets are never printed.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../local/functions';
import type { CloudEnvironment, DescribeScope } from './deploy/cloud-environment';
import { findDrift, resolutionOf } from './deploy/drift';
import { connectManagerNode } from './deploy/manager-node';
import { planDeployment, variableProblemsByFunction, type DeploymentPlan } from './deploy/plan';
import { RecordedEnvironment } from './deploy/recorded';
import { renderDrift, renderPlan, renderVariableProblems } from './deploy/render';
import { CREDENTIAL_VARIABLES, loadDeploySettings, SETTINGS_FILE, type DeploySettings } from './deploy/settings';
import { deploySteps } from './deploy/steps';
import { runFromShell, type CommandIo } from './command-line';

export interface DeployIo extends CommandIo {
  /** Where cloudbase.env and admin/dist are looked for; the repository by default. */
  readonly projectRoot?: string;
}

const USAGE = 'npm run deploy -- --env <环境ID> [--dry-run | --check | --describe <文件>] [--recorded <文件>] [--settings <文件>]';

/** Cloud environment ids: lower-case letters, digits and hyphens. */
const ENV_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

function scopeOf(plan: DeploymentPlan): DescribeScope {
  return {
    collections: plan.collections.map((collection) => collection.name),
    functions: plan.functions.map((fn) => fn.name),
    httpAccess: plan.functions.some((fn) => fn.httpAccessPath !== null),
  };
}

/** Replaces every known value in a message from elsewhere (an API error may echo a request). */
function redactor(settings: DeploySettings): (text: string) => string {
  const known = [...settings.variables.values(), settings.credentials.secretId, settings.credentials.secretKey, settings.credentials.sessionToken]
    .flatMap((value) => (value && value.length >= 4 ? [value.reveal()] : []))
    .sort((a, b) => b.length - a.length);
  return (text) => known.reduce((result, value) => result.split(value).join('[已隐藏]'), text);
}

const recordedEnvironment = (file: string, projectRoot: string): RecordedEnvironment => RecordedEnvironment.fromFile(path.resolve(projectRoot, file));

function openEnvironment(recorded: string | undefined, envId: string, settings: DeploySettings, io: DeployIo): CloudEnvironment | null {
  if (recorded) return recordedEnvironment(recorded, io.projectRoot ?? PROJECT_ROOT);
  const { secretId, secretKey, sessionToken, region } = settings.credentials;
  if (!secretId || !secretKey) {
    const missing = [...(secretId ? [] : [CREDENTIAL_VARIABLES.secretId]), ...(secretKey ? [] : [CREDENTIAL_VARIABLES.secretKey])];
    io.err(`缺少腾讯云 API 密钥：${missing.join('、')}。在 ${SETTINGS_FILE}（参照 cloudbase.env.example）或环境变量中设置；--dry-run 不需要它们`);
    return null;
  }
  return connectManagerNode(envId, { secretId, secretKey, sessionToken, region });
}

async function deploy(plan: DeploymentPlan, environment: CloudEnvironment, io: DeployIo, redact: (text: string) => string): Promise<number> {
  const drift = findDrift(plan, await environment.describe(scopeOf(plan)));
  const steps = deploySteps(plan, drift);
  io.out(`部署到云开发环境 ${plan.envId}：${steps.length} 步`);
  for (const step of steps) {
    try {
      await step.run(environment);
      io.out(`  ✓ ${step.description}`);
    } catch (error) {
      io.err(`  ✗ ${step.description}：${redact(error instanceof Error ? error.message : String(error))}`);
      io.err('部署中止；修正后重新运行 npm run deploy（已完成的步骤不会重复创建）');
      return 1;
    }
  }
  const remaining = findDrift(plan, await environment.describe(scopeOf(plan))).filter((item) => resolutionOf(item) !== 'none');
  if (remaining.length === 0) {
    io.out('完成：环境与仓库声明一致');
    return 0;
  }
  for (const line of renderDrift(plan.envId, remaining)) io.out(line);
  return 1;
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      describe: { type: 'string' },
      recorded: { type: 'string' },
      settings: { type: 'string' },
    },
    strict: true,
  }).values;
}

export async function runDeploy(argv: readonly string[], io: DeployIo): Promise<number> {
  let values: ReturnType<typeof parseOptions>;
  try {
    values = parseOptions(argv);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}。用法：${USAGE}`);
    return 2;
  }
  const envId = values.env;
  if (!envId || !ENV_ID_PATTERN.test(envId)) {
    io.err(`请用 --env 指定云开发环境 ID（云开发控制台 → 环境 ID）。用法：${USAGE}`);
    return 2;
  }
  const projectRoot = io.projectRoot ?? PROJECT_ROOT;
  const settings = loadDeploySettings({ projectRoot, env: io.env, ...(values.settings ? { file: values.settings } : {}) });
  const redact = redactor(settings);
  let plan = planDeployment({ envId, values: settings.variables, projectRoot, consoleApiBase: settings.consoleApiBase });

  if (values['dry-run'] && !values.check) {
    for (const line of renderPlan(plan, settings.sources)) io.out(line);
    io.out('');
    for (const line of renderVariableProblems(plan)) io.out(line);
    if (values.recorded) {
      const environment = recordedEnvironment(values.recorded, projectRoot);
      const steps = deploySteps(plan, findDrift(plan, await environment.describe(scopeOf(plan))));
      io.out('');
      io.out(`对照 ${values.recorded}，部署将执行 ${steps.length} 步：`);
      for (const step of steps) io.out(`  - ${step.description}`);
    }
    io.out('');
    io.out('演练：未连接网络，未发送任何内容');
    return 0;
  }

  if (!values.check && !values.describe) {
    const problems = variableProblemsByFunction(plan);
    if (problems.length > 0) {
      for (const line of renderVariableProblems(plan)) io.err(line);
      io.err('未发送任何内容');
      return 1;
    }
  }

  const environment = openEnvironment(values.recorded, envId, settings, io);
  if (!environment) return 1;
  try {
    if (values.describe) {
      const description = await environment.describe(scopeOf(plan));
      writeFileSync(path.resolve(projectRoot, values.describe), `${JSON.stringify(description, null, 2)}\n`);
      io.out(`已写入 ${values.describe}（环境变量只记录指纹与长度，不含值）`);
      return 0;
    }
    if (values.check) {
      const drift = findDrift(plan, await environment.describe(scopeOf(plan)));
      for (const line of renderDrift(envId, drift)) io.out(line);
      return drift.some((item) => resolutionOf(item) !== 'none') ? 1 : 0;
    }
    if (!values.recorded) {
      // What uploads is the bundle: build it now so the code matches this checkout.
      const { buildFunctions } = await import('./build');
      await buildFunctions();
      plan = planDeployment({ envId, values: settings.variables, projectRoot, consoleApiBase: settings.consoleApiBase });
    }
    return await deploy(plan, environment, io, redact);
  } catch (error) {
    io.err(`失败：${redact(error instanceof Error ? error.message : String(error))}`);
    return 1;
  }
}

if (require.main === module) runFromShell(runDeploy);
