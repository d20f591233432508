/**
 * A CloudBase environment as a recorded description (the JSON `npm run deploy -- --describe` writes):
 * `--check --recorded <file>` compares the plan with it offline, and the tests use it in place of a
 * live environment. Changes are applied to the in-memory copy, so a check after a deploy shows
 * what a deploy leaves behind.
 */
import { readFileSync } from 'node:fs';
import type {
  CloudEnvironment,
  DescribeScope,
  EnvironmentDescription,
  FunctionConfigChange,
  LiveCollection,
  LiveFunction,
  LiveHttpAccess,
  LiveVariable,
} from './cloud-environment';
import type { DesiredFunction, DesiredIndex, HostingPlan, TimerTrigger } from './plan';
import { fingerprintOf, type SecretValue } from './secret-value';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function liveVariables(values: Readonly<Record<string, SecretValue>>): Record<string, LiveVariable> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { fingerprint: fingerprintOf(value.reveal()), length: value.length }]));
}

export class RecordedEnvironment implements CloudEnvironment {
  private readonly collections: Mutable<LiveCollection>[];
  private readonly functions: Mutable<LiveFunction>[];
  private readonly httpAccess: LiveHttpAccess[];
  private storageAcl: string | null;
  /** Hosting uploads, in order (the description does not hold files). */
  readonly hostingUploads: HostingPlan[] = [];

  constructor(private readonly recorded: EnvironmentDescription) {
    this.collections = recorded.collections.map((collection) => ({ ...collection, indexes: [...collection.indexes] }));
    this.functions = recorded.functions.map((fn) => ({ ...fn, triggers: [...fn.triggers], variables: { ...fn.variables } }));
    this.httpAccess = [...recorded.httpAccess];
    this.storageAcl = recorded.storageAcl;
  }

  static fromFile(file: string): RecordedEnvironment {
    return new RecordedEnvironment(JSON.parse(readFileSync(file, 'utf8')) as EnvironmentDescription);
  }

  async describe(scope: DescribeScope): Promise<EnvironmentDescription> {
    return {
      envId: this.recorded.envId,
      collections: this.collections.filter((collection) => scope.collections.includes(collection.name)),
      functions: this.functions.filter((fn) => scope.functions.includes(fn.name)),
      httpAccess: scope.httpAccess ? this.httpAccess : [],
      storageAcl: this.storageAcl,
    };
  }

  async createCollection(name: string): Promise<void> {
    if (!this.collections.some((collection) => collection.name === name)) this.collections.push({ name, indexes: [], permission: null });
  }

  async setCollectionPermission(collection: string, permission: string): Promise<void> {
    const target = this.collections.find((candidate) => candidate.name === collection);
    if (!target) throw new Error(`集合 ${collection} 不存在`);
    target.permission = permission;
  }

  async setStorageAcl(acl: string): Promise<void> {
    this.storageAcl = acl;
  }

  async createIndex(collection: string, index: DesiredIndex): Promise<void> {
    const target = this.collections.find((candidate) => candidate.name === collection);
    if (!target) throw new Error(`集合 ${collection} 不存在`);
    target.indexes = [...target.indexes, { name: index.name, keys: index.keys, unique: index.unique }];
  }

  async createFunction(fn: DesiredFunction, _functionsRoot: string, variables: Readonly<Record<string, SecretValue>>): Promise<void> {
    this.functions.push({
      name: fn.name,
      runtime: fn.runtime,
      timeout: fn.timeout,
      memorySize: fn.memorySize,
      triggers: [...fn.triggers],
      variables: liveVariables(variables),
    });
  }

  async updateFunctionCode(fn: DesiredFunction): Promise<void> {
    this.requireFunction(fn.name);
  }

  async configureFunction(name: string, change: FunctionConfigChange): Promise<void> {
    const fn = this.requireFunction(name);
    if (change.timeout !== undefined) fn.timeout = change.timeout;
    if (change.memorySize !== undefined) fn.memorySize = change.memorySize;
    if (change.variables) fn.variables = { ...fn.variables, ...liveVariables(change.variables) };
  }

  async replaceTimers(name: string, remove: readonly string[], add: readonly TimerTrigger[]): Promise<void> {
    const fn = this.requireFunction(name);
    fn.triggers = [...fn.triggers.filter((trigger) => !remove.includes(trigger.name)), ...add];
  }

  async createHttpAccess(path: string, functionName: string): Promise<void> {
    this.httpAccess.push({ path, functionName });
  }

  async uploadHosting(hosting: HostingPlan): Promise<void> {
    this.hostingUploads.push(hosting);
  }

  private requireFunction(name: string): Mutable<LiveFunction> {
    const fn = this.functions.find((candidate) => candidate.name === name);
    if (!fn) throw new Error(`云函数 ${name} 不存在`);
    return fn;
  }
}
