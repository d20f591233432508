/**
 * What `npm run deploy` prints: the plan, the variables each function lacks, the drift. Text for a
 * person at a terminal; values of secret variables never appear (a SecretValue prints as
 * [已隐藏] anyway, and secrets are not even passed to it here).
 */
import { PROBLEM_TEXT } from '../../cloudfunctions/shared/runtime/environment';
import { resolutionOf, type Drift, type IndexConflict } from './drift';
import { ACCESS_RULES, variableProblemsByFunction, type DeploymentPlan, type DesiredIndex, type DesiredVariable } from './plan';

const keysText = (index: { keys: readonly { field: string; direction: string }[] }): string =>
  index.keys.map((key) => (key.direction === '1' ? key.field : `${key.field}(${key.direction})`)).join(' + ');

const indexText = (index: DesiredIndex): string => `${index.name}：${keysText(index)}${index.unique ? '，唯一' : ''} — ${index.why}`;

function variableText(variable: DesiredVariable): string {
  const { spec, value, problem } = variable;
  const traits = [
    spec.required ? '必填' : '可选',
    ...(spec.secret ? ['密钥'] : []),
    ...(spec.minLength ? [`至少 ${spec.minLength} 个字符`] : []),
    ...(spec.developmentOnly ? ['仅测试用'] : []),
  ];
  let state: string;
  if (problem) state = `✗ ${PROBLEM_TEXT[problem]}`;
  else if (!value) state = '不设置';
  else if (spec.secret) state = '已设置（值不显示）';
  else state = `= ${value.reveal()}`;
  return `${spec.name}（${traits.join('，')}）${state} — ${spec.description}`;
}

export function renderPlan(plan: DeploymentPlan, sources: readonly string[]): string[] {
  const lines: string[] = [];
  lines.push(`部署计划：云开发环境 ${plan.envId}`);
  lines.push(`变量取自：${sources.join('、')}`);
  lines.push('');
  lines.push(`数据库集合（${plan.collections.length} 个，权限均为 ${ACCESS_RULES.collection}“仅管理端可读写”：所有访问经云函数）`);
  for (const collection of plan.collections) {
    lines.push(`  ${collection.name}${collection.appendOnly ? '（只追加）' : ''} — ${collection.purpose}`);
    for (const index of collection.indexes) lines.push(`    索引 ${indexText(index)}`);
  }
  lines.push('');
  lines.push(`云函数（${plan.functions.length} 个）`);
  for (const fn of plan.functions) {
    lines.push(`  ${fn.name}：运行时 ${fn.runtime}，入口 ${fn.handler}，超时 ${fn.timeout} 秒，内存 ${fn.memorySize} MB`);
    const dependencies = Object.entries(fn.dependencies).map(([name, version]) => `${name}@${version}`);
    lines.push(`    代码：${fn.built ? fn.codeFiles.join('、') : '尚未构建（部署时先运行 npm run build）'}；云端安装依赖 ${dependencies.join('、') || '无'}`);
    for (const trigger of fn.triggers) lines.push(`    定时触发器 ${trigger.name}：${trigger.config}`);
    if (fn.openapi.length > 0) lines.push(`    云调用权限（随代码包中的 config.json 上传）：${fn.openapi.join('、')}`);
    if (fn.httpAccessPath) lines.push(`    HTTP 访问路径：${fn.httpAccessPath}`);
    if (fn.variables.length === 0) lines.push('    环境变量：无');
    for (const variable of fn.variables) lines.push(`    环境变量 ${variableText(variable)}`);
  }
  lines.push('');
  lines.push(`云存储权限：${plan.storageAcl}（仅创建者及管理员可读写；票据只经 receipts 函数给出的临时链接下载）`);
  lines.push(
    !plan.hosting
      ? '静态托管：无（财务后台 admin/dist 尚不存在；构建后自动加入计划）'
      : plan.hosting.config
        ? `静态托管：财务后台 ${plan.hosting.localDir} → /${plan.hosting.cloudPath}，接口 ${plan.hosting.config.apiBase}`
        : `静态托管：财务后台暂不上传——未设置 ADMIN_API_BASE（admin 函数的 HTTP 访问地址，如 https://<已备案域名>/admin-api）`,
  );
  return lines;
}

/** By function, each variable production would refuse. Empty when everything is in order. */
export function renderVariableProblems(plan: DeploymentPlan): string[] {
  const byFunction = variableProblemsByFunction(plan);
  if (byFunction.length === 0) return ['环境变量：各函数的必填变量均已设置，且没有生产环境会拒绝的值'];
  return [
    '缺少或不可用的环境变量（按函数；在 cloudbase.env 或环境变量中设置后再部署）：',
    ...byFunction.map(({ functionName, problems }) => `  ${functionName}：${problems.map(({ variable, problem }) => `${variable} ${PROBLEM_TEXT[problem]}`).join('；')}`),
  ];
}

const CONFLICT_TEXT: Readonly<Record<IndexConflict, string>> = {
  'other-keys': '同名索引的字段不同',
  'not-unique': '同字段的索引存在但不是唯一索引，唯一性保证缺失',
  'unexpectedly-unique': '同字段的索引是唯一索引，但声明为非唯一',
};

export function driftText(drift: Drift): string {
  switch (drift.kind) {
    case 'collection-missing':
      return `集合 ${drift.collection} 不存在`;
    case 'collection-permission':
      return `集合 ${drift.collection} 的权限是 ${drift.live ?? '未知'}，应为 ${drift.desired}（仅管理端可读写）`;
    case 'storage-acl':
      return drift.live === 'CUSTOM'
        ? '云存储使用自定义安全规则：请确认它拒绝客户端读取 receipts/（见下文“云存储权限”）'
        : `云存储权限是 ${drift.live ?? '未知'}，应为 ${drift.desired}（仅创建者及管理员可读写）`;
    case 'index-missing':
      return `集合 ${drift.collection} 缺少索引 ${indexText(drift.index)}`;
    case 'index-conflict':
      return `集合 ${drift.collection} 的索引 ${drift.index.name}：${CONFLICT_TEXT[drift.conflict]}（现有 ${drift.live.name}：${keysText(drift.live)}${drift.live.unique ? '，唯一' : ''}）。不会自动删除，请人工核对数据后处理`;
    case 'index-undeclared':
      return drift.live.unique
        ? `集合 ${drift.collection} 有未声明的唯一索引 ${drift.live.name}（${keysText(drift.live)}），可能拒绝正常写入；不会自动删除，请人工确认`
        : `集合 ${drift.collection} 有未声明的索引 ${drift.live.name}（${keysText(drift.live)}），保留`;
    case 'function-missing':
      return `云函数 ${drift.functionName} 不存在`;
    case 'function-runtime':
      return `云函数 ${drift.functionName} 的运行时是 ${drift.live}，代码需要 ${drift.desired} 或更新；运行时只能在创建函数时选择，请在控制台重建该函数`;
    case 'function-setting':
      return `云函数 ${drift.functionName} 的${drift.setting === 'timeout' ? '超时' : '内存'}是 ${drift.live}，应为 ${drift.desired}${drift.setting === 'timeout' ? ' 秒' : ' MB'}`;
    case 'timer-missing':
      return `云函数 ${drift.functionName} 缺少定时触发器 ${drift.trigger.name}（${drift.trigger.config}）`;
    case 'timer-changed':
      return `云函数 ${drift.functionName} 的定时触发器 ${drift.trigger.name} 是 ${drift.live.config}，应为 ${drift.trigger.config}`;
    case 'timer-undeclared':
      return `云函数 ${drift.functionName} 有未声明的定时触发器 ${drift.live.name}（${drift.live.config}）`;
    case 'variable-missing':
      return `云函数 ${drift.functionName} 缺少环境变量 ${drift.variable.spec.name}${drift.variable.value ? '' : '（本地也没有它的值）'}`;
    case 'variable-differs':
      return `云函数 ${drift.functionName} 的环境变量 ${drift.variable.spec.name} 与本地的值不同`;
    case 'variable-unsafe':
      return `云函数 ${drift.functionName} 的环境变量 ${drift.variable.spec.name} ${PROBLEM_TEXT[drift.problem]}`;
    case 'variable-undeclared':
      return `云函数 ${drift.functionName} 有未声明的环境变量 ${drift.name}（保留）`;
    case 'http-access-missing':
      return `缺少 HTTP 访问路径 ${drift.path} → 云函数 ${drift.functionName}`;
  }
}

const RESOLUTION_TEXT = { deploy: 'npm run deploy 会处理', manual: '需要人工处理', none: '仅提示' } as const;

export function renderDrift(envId: string, drift: readonly Drift[]): string[] {
  if (drift.length === 0) return [`云开发环境 ${envId} 与仓库声明一致`];
  const lines = [`云开发环境 ${envId} 与仓库声明的差异（${drift.length} 项）：`];
  for (const resolution of ['manual', 'deploy', 'none'] as const) {
    const items = drift.filter((item) => resolutionOf(item) === resolution);
    if (items.length === 0) continue;
    lines.push(`  ${RESOLUTION_TEXT[resolution]}：`);
    for (const item of items) lines.push(`    - ${driftText(item)}`);
  }
  return lines;
}
