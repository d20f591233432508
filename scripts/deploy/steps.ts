/**
 * From plan and drift to the calls that bring the environment to the plan, in an order that works:
 * collections, then their indexes, then functions (code every time; settings, timers and variables
 * where they differ), then HTTP access and static hosting. Only 'deploy' drift becomes a step.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CloudEnvironment } from './cloud-environment';
import { resolutionOf, type Drift } from './drift';
import type { DeploymentPlan, DesiredFunction, DesiredVariable, TimerTrigger } from './plan';
import type { SecretValue } from './secret-value';

export interface DeployStep {
  /** One line for the person deploying; names things, never values. */
  readonly description: string;
  run(environment: CloudEnvironment): Promise<void>;
}

/** Every declared variable of the function that has a value production accepts. */
function sendableValues(variables: readonly DesiredVariable[]): Record<string, SecretValue> {
  const values: Record<string, SecretValue> = {};
  for (const variable of variables) if (variable.value && variable.problem === null) values[variable.spec.name] = variable.value;
  return values;
}

function functionSteps(plan: DeploymentPlan, fn: DesiredFunction, drift: readonly Drift[]): DeployStep[] {
  const mine = drift.filter((item) => 'functionName' in item && item.functionName === fn.name && resolutionOf(item) === 'deploy');
  if (mine.some((item) => item.kind === 'function-missing')) {
    const values = sendableValues(fn.variables);
    return [
      {
        description: `创建云函数 ${fn.name}（代码、超时 ${fn.timeout} 秒、内存 ${fn.memorySize} MB、${fn.triggers.length} 个定时触发器、${Object.keys(values).length} 个环境变量）`,
        run: (environment) => environment.createFunction(fn, plan.functionsRoot, values),
      },
    ];
  }
  const steps: DeployStep[] = [
    { description: `上传云函数 ${fn.name} 的代码（云端安装依赖）`, run: (environment) => environment.updateFunctionCode(fn, plan.functionsRoot) },
  ];
  const settings: { timeout?: number; memorySize?: number } = {};
  const variables: Record<string, SecretValue> = {};
  const removeTimers: string[] = [];
  const addTimers: TimerTrigger[] = [];
  for (const item of mine) {
    switch (item.kind) {
      case 'function-setting':
        settings[item.setting] = item.desired;
        break;
      case 'variable-missing':
      case 'variable-differs':
      case 'variable-unsafe':
        if (item.variable.value) variables[item.variable.spec.name] = item.variable.value;
        break;
      case 'timer-missing':
        addTimers.push(item.trigger);
        break;
      case 'timer-changed':
        removeTimers.push(item.live.name);
        addTimers.push(item.trigger);
        break;
      case 'timer-undeclared':
        removeTimers.push(item.live.name);
        break;
      default:
        break;
    }
  }
  const names = Object.keys(variables);
  if (Object.keys(settings).length > 0 || names.length > 0) {
    const parts = [
      ...(settings.timeout !== undefined ? [`超时 ${settings.timeout} 秒`] : []),
      ...(settings.memorySize !== undefined ? [`内存 ${settings.memorySize} MB`] : []),
      ...(names.length > 0 ? [`环境变量 ${names.join('、')}`] : []),
    ];
    steps.push({
      description: `设置云函数 ${fn.name} 的${parts.join('、')}`,
      run: (environment) => environment.configureFunction(fn.name, { ...settings, ...(names.length > 0 ? { variables } : {}) }),
    });
  }
  if (removeTimers.length > 0 || addTimers.length > 0) {
    const parts = [...removeTimers.map((name) => `删除 ${name}`), ...addTimers.map((trigger) => `创建 ${trigger.name}（${trigger.config}）`)];
    steps.push({ description: `定时触发器 ${fn.name}：${parts.join('，')}`, run: (environment) => environment.replaceTimers(fn.name, removeTimers, addTimers) });
  }
  return steps;
}

export function deploySteps(plan: DeploymentPlan, drift: readonly Drift[]): DeployStep[] {
  const steps: DeployStep[] = [];
  for (const item of drift) {
    if (item.kind === 'collection-missing') {
      steps.push({ description: `创建集合 ${item.collection}`, run: (environment) => environment.createCollection(item.collection) });
    }
  }
  for (const item of drift) {
    if (item.kind === 'collection-permission') {
      const { collection, desired } = item;
      steps.push({ description: `集合 ${collection} 的权限设为 ${desired}（仅管理端可读写）`, run: (environment) => environment.setCollectionPermission(collection, desired) });
    }
  }
  for (const item of drift) {
    if (item.kind === 'index-missing') {
      const { collection, index } = item;
      steps.push({
        description: `创建索引 ${collection}.${index.name}（${index.keys.map((key) => key.field).join(' + ')}${index.unique ? '，唯一' : ''}）`,
        run: (environment) => environment.createIndex(collection, index),
      });
    }
  }
  for (const item of drift) {
    if (item.kind === 'storage-acl' && resolutionOf(item) === 'deploy') {
      const { desired } = item;
      steps.push({ description: `云存储权限设为 ${desired}（仅创建者及管理员可读写）`, run: (environment) => environment.setStorageAcl(desired) });
    }
  }
  for (const fn of plan.functions) steps.push(...functionSteps(plan, fn, drift));
  for (const item of drift) {
    if (item.kind === 'http-access-missing') {
      const { path, functionName } = item;
      steps.push({ description: `HTTP 访问路径 ${path} → 云函数 ${functionName}`, run: (environment) => environment.createHttpAccess(path, functionName) });
    }
  }
  const { hosting } = plan;
  // Without the admin function's address the console could not sign anyone in: not uploaded.
  if (hosting?.config) {
    const { config } = hosting;
    steps.push({
      description: `上传财务后台 ${hosting.localDir} 到静态托管 /${hosting.cloudPath}（接口 ${config.apiBase}）`,
      run: (environment) => {
        writeFileSync(path.join(hosting.localDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
        return environment.uploadHosting(hosting);
      },
    });
  }
  return steps;
}
