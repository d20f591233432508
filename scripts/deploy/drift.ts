/**
 * The differ: how an environment differs from the plan. Each difference says who resolves it:
 * - 'deploy': `npm run deploy` brings it to the plan (a missing collection, index, function,
 *   timer, setting or variable);
 * - 'manual': a person must decide, because the fix could lose data or a guarantee — above all a
 *   unique index that exists with other fields or without uniqueness is reported, never dropped;
 * - 'none': worth knowing, harmless (an extra non-unique index, a variable nobody declared).
 */
import { DEVELOPMENT_DEFAULTS, type VariableProblem } from '../../cloudfunctions/shared/runtime/environment';
import type { EnvironmentDescription, LiveFunction, LiveIndex, LiveVariable } from './cloud-environment';
import { ACCESS_RULES, FUNCTION_DEFAULTS, type DeploymentPlan, type DesiredFunction, type DesiredIndex, type DesiredVariable, type IndexKey, type TimerTrigger } from './plan';
import { fingerprintOf } from './secret-value';

export type Resolution = 'deploy' | 'manual' | 'none';

/** Why an index that exists does not give what the plan declares. */
export type IndexConflict = 'other-keys' | 'not-unique' | 'unexpectedly-unique';

export type Drift =
  | { kind: 'collection-missing'; collection: string }
  | { kind: 'collection-permission'; collection: string; desired: string; live: string | null }
  | { kind: 'storage-acl'; desired: string; live: string | null }
  | { kind: 'index-missing'; collection: string; index: DesiredIndex }
  | { kind: 'index-conflict'; collection: string; index: DesiredIndex; live: LiveIndex; conflict: IndexConflict }
  | { kind: 'index-undeclared'; collection: string; live: LiveIndex }
  | { kind: 'function-missing'; functionName: string }
  | { kind: 'function-runtime'; functionName: string; desired: string; live: string }
  | { kind: 'function-setting'; functionName: string; setting: 'timeout' | 'memorySize'; desired: number; live: number }
  | { kind: 'timer-missing'; functionName: string; trigger: TimerTrigger }
  | { kind: 'timer-changed'; functionName: string; trigger: TimerTrigger; live: TimerTrigger }
  | { kind: 'timer-undeclared'; functionName: string; live: TimerTrigger }
  | { kind: 'variable-missing'; functionName: string; variable: DesiredVariable }
  | { kind: 'variable-differs'; functionName: string; variable: DesiredVariable }
  | { kind: 'variable-unsafe'; functionName: string; variable: DesiredVariable; problem: VariableProblem }
  | { kind: 'variable-undeclared'; functionName: string; name: string }
  | { kind: 'http-access-missing'; path: string; functionName: string };

/** A value deploy may send: known locally and acceptable to production. */
const sendable = (variable: DesiredVariable): boolean => variable.value !== null && variable.problem === null;

export function resolutionOf(drift: Drift): Resolution {
  switch (drift.kind) {
    case 'index-conflict':
    case 'function-runtime':
      return 'manual';
    case 'storage-acl':
      // A custom rule is the school's own (public files beside the receipts): a person checks it.
      return drift.live === 'CUSTOM' ? 'manual' : 'deploy';
    case 'index-undeclared':
      return drift.live.unique ? 'manual' : 'none';
    case 'variable-undeclared':
      return 'none';
    case 'variable-missing':
    case 'variable-unsafe':
      return sendable(drift.variable) ? 'deploy' : 'manual';
    default:
      return 'deploy';
  }
}

const sameKeys = (a: readonly IndexKey[], b: readonly IndexKey[]): boolean =>
  a.length === b.length && a.every((key, i) => key.field === b[i]!.field && String(key.direction) === String(b[i]!.direction));

/** The index every collection has on _id; not ours to declare. */
const isPrimaryIndex = (index: LiveIndex): boolean => index.name === '_id_' || (index.keys.length === 1 && index.keys[0]!.field === '_id');

function indexDrift(collection: string, desired: readonly DesiredIndex[], live: readonly LiveIndex[]): Drift[] {
  const drift: Drift[] = [];
  const accounted = new Set<LiveIndex>();
  for (const index of desired) {
    // Matched by fields first (an index made by hand under another name still counts), then by name.
    const match = live.find((candidate) => sameKeys(candidate.keys, index.keys)) ?? live.find((candidate) => candidate.name === index.name);
    if (!match) {
      drift.push({ kind: 'index-missing', collection, index });
      continue;
    }
    accounted.add(match);
    if (!sameKeys(match.keys, index.keys)) drift.push({ kind: 'index-conflict', collection, index, live: match, conflict: 'other-keys' });
    else if (index.unique && !match.unique) drift.push({ kind: 'index-conflict', collection, index, live: match, conflict: 'not-unique' });
    else if (!index.unique && match.unique) drift.push({ kind: 'index-conflict', collection, index, live: match, conflict: 'unexpectedly-unique' });
  }
  for (const index of live) {
    if (!accounted.has(index) && !isPrimaryIndex(index)) drift.push({ kind: 'index-undeclared', collection, live: index });
  }
  return drift;
}

const normalizeCron = (cron: string): string => cron.trim().split(/\s+/).join(' ');

function timerDrift(fn: DesiredFunction, live: LiveFunction): Drift[] {
  const drift: Drift[] = [];
  for (const trigger of fn.triggers) {
    const current = live.triggers.find((candidate) => candidate.name === trigger.name);
    if (!current) drift.push({ kind: 'timer-missing', functionName: fn.name, trigger });
    else if (normalizeCron(current.config) !== normalizeCron(trigger.config)) drift.push({ kind: 'timer-changed', functionName: fn.name, trigger, live: current });
  }
  for (const current of live.triggers) {
    if (!fn.triggers.some((trigger) => trigger.name === current.name)) drift.push({ kind: 'timer-undeclared', functionName: fn.name, live: current });
  }
  return drift;
}

const DEVELOPMENT_DEFAULT_FINGERPRINTS = new Set(Object.values(DEVELOPMENT_DEFAULTS).map(fingerprintOf));

/** What production would refuse about a value seen only as fingerprint and length. */
function liveVariableProblem(variable: DesiredVariable, live: LiveVariable): VariableProblem | null {
  const { spec } = variable;
  if (spec.developmentOnly) return 'development-only';
  if (spec.minLength !== undefined && live.length < spec.minLength) return 'too-short';
  if (spec.secret && DEVELOPMENT_DEFAULT_FINGERPRINTS.has(live.fingerprint)) return 'development-default';
  return null;
}

function variableDrift(fn: DesiredFunction, live: LiveFunction): Drift[] {
  const drift: Drift[] = [];
  for (const variable of fn.variables) {
    const current = live.variables[variable.spec.name];
    if (!current) {
      if (variable.spec.required || sendable(variable)) drift.push({ kind: 'variable-missing', functionName: fn.name, variable });
      continue;
    }
    const problem = liveVariableProblem(variable, current);
    if (problem) drift.push({ kind: 'variable-unsafe', functionName: fn.name, variable, problem });
    else if (variable.value && fingerprintOf(variable.value.reveal()) !== current.fingerprint) drift.push({ kind: 'variable-differs', functionName: fn.name, variable });
  }
  for (const name of Object.keys(live.variables)) {
    if (!fn.variables.some((variable) => variable.spec.name === name)) drift.push({ kind: 'variable-undeclared', functionName: fn.name, name });
  }
  return drift;
}

const nodeMajor = (runtime: string): number => Number(/^Nodejs(\d+)/i.exec(runtime)?.[1] ?? 0);

function functionDrift(fn: DesiredFunction, live: LiveFunction | undefined): Drift[] {
  if (!live) return [{ kind: 'function-missing', functionName: fn.name }];
  const drift: Drift[] = [];
  // The runtime is chosen when a function is created; any Node from the minimum on runs the bundle.
  if (nodeMajor(live.runtime) < FUNCTION_DEFAULTS.minimumNodeMajor) drift.push({ kind: 'function-runtime', functionName: fn.name, desired: fn.runtime, live: live.runtime });
  if (live.timeout !== fn.timeout) drift.push({ kind: 'function-setting', functionName: fn.name, setting: 'timeout', desired: fn.timeout, live: live.timeout });
  if (live.memorySize !== fn.memorySize) drift.push({ kind: 'function-setting', functionName: fn.name, setting: 'memorySize', desired: fn.memorySize, live: live.memorySize });
  return [...drift, ...timerDrift(fn, live), ...variableDrift(fn, live)];
}

export function findDrift(plan: DeploymentPlan, live: EnvironmentDescription): Drift[] {
  const drift: Drift[] = [];
  for (const collection of plan.collections) {
    const current = live.collections.find((candidate) => candidate.name === collection.name);
    if (!current) drift.push({ kind: 'collection-missing', collection: collection.name });
    if (current?.permission !== collection.permission) {
      drift.push({ kind: 'collection-permission', collection: collection.name, desired: collection.permission, live: current?.permission ?? null });
    }
    drift.push(...indexDrift(collection.name, collection.indexes, current?.indexes ?? []));
  }
  const acceptedAcls: readonly string[] = [plan.storageAcl, ...ACCESS_RULES.storageAlsoAccepted];
  if (live.storageAcl === null || !acceptedAcls.includes(live.storageAcl)) drift.push({ kind: 'storage-acl', desired: plan.storageAcl, live: live.storageAcl });
  for (const fn of plan.functions) {
    drift.push(...functionDrift(fn, live.functions.find((candidate) => candidate.name === fn.name)));
    if (fn.httpAccessPath && !live.httpAccess.some((access) => access.path === fn.httpAccessPath && access.functionName === fn.name)) {
      drift.push({ kind: 'http-access-missing', path: fn.httpAccessPath, functionName: fn.name });
    }
  }
  return drift;
}
