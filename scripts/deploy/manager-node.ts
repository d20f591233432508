/**
 * The CloudEnvironment over Tencent's own management library, @cloudbase/manager-node: a thin
 * translation between the deploy plan and its calls, with the field names its API uses
 * (DescribeTable's `Indexes[].Keys[].Name/Direction` and `Unique`; UpdateTable's `CreateIndexes[]`
 * of `{ IndexName, MgoKeySchema: { MgoIndexKeys: [{ Name, Direction }], MgoIsUnique } }`;
 * GetFunction's `Timeout`, `MemorySize`, `Runtime`, `Triggers[]` and `Environment.Variables[]`;
 * DescribeResourcePermission's `PermissionList[].Resource/Permission`; the storage's `AclTag`).
 *
 * Variable values read from the environment are turned into fingerprints right here, so no value
 * leaves this file except to go back to the platform.
 */
import type CloudBase from '@cloudbase/manager-node';
import type { AccessService } from '@cloudbase/manager-node/types/access';
import type { DatabaseService } from '@cloudbase/manager-node/types/database';
import type { FunctionService } from '@cloudbase/manager-node/types/function';
import type { HostingService } from '@cloudbase/manager-node/types/hosting';
import type { PermissionService } from '@cloudbase/manager-node/types/permission';
import type { AclType, StorageService } from '@cloudbase/manager-node/types/storage';
import type { IndexInfo } from '@cloudbase/manager-node/types/interfaces';
import type { IFunctionInfo, ITrigger } from '@cloudbase/manager-node/types/function/types';
import type { CloudEnvironment, DescribeScope, EnvironmentDescription, FunctionConfigChange, LiveCollection, LiveFunction, LiveIndex } from './cloud-environment';
import { CODE_IGNORE_GLOBS, type DesiredFunction, type DesiredIndex, type HostingPlan, type TimerTrigger } from './plan';
import { fingerprintOf, type SecretValue } from './secret-value';

/** The parts of manager-node's CloudBase that deploying uses. */
export interface ManagerApis {
  readonly database: Pick<DatabaseService, 'checkCollectionExists' | 'describeCollection' | 'createCollection' | 'updateCollection'>;
  readonly functions: Pick<
    FunctionService,
    'getFunctionDetail' | 'createFunction' | 'updateFunctionCode' | 'updateFunctionConfig' | 'createFunctionTriggers' | 'deleteFunctionTrigger'
  >;
  readonly access: Pick<AccessService, 'getAccessList' | 'createAccess'>;
  readonly hosting: Pick<HostingService, 'uploadFiles'>;
  readonly storage: Pick<StorageService, 'getStorageAcl' | 'setStorageAcl'>;
  readonly permission: Pick<PermissionService, 'describeResourcePermission' | 'modifyResourcePermission'>;
}

export interface ManagerCredentials {
  readonly secretId: SecretValue;
  readonly secretKey: SecretValue;
  readonly sessionToken: SecretValue | null;
  readonly region: string | null;
}

/** Opens manager-node for one environment. Loaded only here: dry runs and checks of a recording never load it. */
export function connectManagerNode(envId: string, credentials: ManagerCredentials): ManagerNodeEnvironment {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ManagerNode = require('@cloudbase/manager-node') as typeof CloudBase;
  const app = new ManagerNode({
    envId,
    secretId: credentials.secretId.reveal(),
    secretKey: credentials.secretKey.reveal(),
    ...(credentials.sessionToken ? { token: credentials.sessionToken.reveal() } : {}),
    ...(credentials.region ? { region: credentials.region } : {}),
  });
  return new ManagerNodeEnvironment(envId, app);
}

export function liveIndexOf(index: IndexInfo): LiveIndex {
  return {
    name: index.Name,
    keys: (index.Keys ?? []).map((key) => ({ field: key.Name ?? '', direction: String(key.Direction ?? '1') })),
    unique: index.Unique === true,
  };
}

/** A timer's TriggerDesc is `{"cron":"…"}` in GetFunction's answer (a bare cron in older ones). */
export function timerOf(trigger: ITrigger): TimerTrigger | null {
  if (trigger.Type !== 'timer') return null;
  const desc = trigger.TriggerDesc ?? trigger.Config ?? '';
  let cron = desc;
  try {
    const parsed = JSON.parse(desc) as { cron?: unknown };
    if (typeof parsed.cron === 'string') cron = parsed.cron;
  } catch {
    // a bare cron expression
  }
  return { name: trigger.TriggerName ?? trigger.Name, type: 'timer', config: cron };
}

export function liveFunctionOf(info: IFunctionInfo): LiveFunction {
  const variables: Record<string, { fingerprint: string; length: number }> = {};
  for (const { Key, Value } of info.Environment?.Variables ?? []) variables[Key] = { fingerprint: fingerprintOf(Value), length: Value.length };
  return {
    name: info.FunctionName,
    runtime: info.Runtime,
    timeout: info.Timeout,
    memorySize: info.MemorySize,
    triggers: (info.Triggers ?? []).flatMap((trigger) => timerOf(trigger) ?? []),
    variables,
  };
}

const isNotFound = (error: unknown): boolean => typeof (error as { code?: unknown }).code === 'string' && (error as { code: string }).code.startsWith('ResourceNotFound');

const reveal = (values: Readonly<Record<string, SecretValue>>): Record<string, string> =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [name, value.reveal()]));

export class ManagerNodeEnvironment implements CloudEnvironment {
  constructor(
    private readonly envId: string,
    private readonly apis: ManagerApis,
  ) {}

  async describe(scope: DescribeScope): Promise<EnvironmentDescription> {
    const permissions = await this.collectionPermissions(scope.collections);
    const collections: LiveCollection[] = [];
    for (const name of scope.collections) {
      if (!(await this.apis.database.checkCollectionExists(name)).Exists) continue;
      const table = await this.apis.database.describeCollection(name);
      collections.push({ name, indexes: (table.Indexes ?? []).map(liveIndexOf), permission: permissions.get(name) ?? null });
    }
    const functions: LiveFunction[] = [];
    for (const name of scope.functions) {
      const info = await this.functionInfo(name);
      if (info) functions.push(liveFunctionOf(info));
    }
    const httpAccess = scope.httpAccess
      ? (await this.apis.access.getAccessList()).APISet.map((api) => ({ path: api.Path, functionName: api.Name }))
      : [];
    return { envId: this.envId, collections, functions, httpAccess, storageAcl: await this.apis.storage.getStorageAcl() };
  }

  async createCollection(name: string): Promise<void> {
    await this.apis.database.createCollection(name);
  }

  async createIndex(collection: string, index: DesiredIndex): Promise<void> {
    await this.apis.database.updateCollection(collection, {
      CreateIndexes: [
        {
          IndexName: index.name,
          MgoKeySchema: { MgoIndexKeys: index.keys.map((key) => ({ Name: key.field, Direction: key.direction })), MgoIsUnique: index.unique },
        },
      ],
    });
  }

  async setCollectionPermission(collection: string, permission: string): Promise<void> {
    await this.apis.permission.modifyResourcePermission({ resourceType: 'collection', resource: collection, permission: permission as AclType });
  }

  async setStorageAcl(acl: string): Promise<void> {
    await this.apis.storage.setStorageAcl(acl as AclType);
  }

  async createFunction(fn: DesiredFunction, functionsRoot: string, variables: Readonly<Record<string, SecretValue>>): Promise<void> {
    await this.apis.functions.createFunction({
      func: {
        name: fn.name,
        runtime: fn.runtime,
        handler: fn.handler,
        timeout: fn.timeout,
        memorySize: fn.memorySize,
        installDependency: true,
        ignore: [...CODE_IGNORE_GLOBS],
        triggers: fn.triggers.map((trigger) => ({ ...trigger })),
        ...(Object.keys(variables).length > 0 ? { envVariables: reveal(variables) } : {}),
        ...(fn.httpAccessPath ? { path: fn.httpAccessPath } : {}),
      },
      functionRootPath: functionsRoot,
      force: false,
    });
  }

  async updateFunctionCode(fn: DesiredFunction, functionsRoot: string): Promise<void> {
    await this.apis.functions.updateFunctionCode({
      func: { name: fn.name, runtime: fn.runtime, installDependency: true, ignore: [...CODE_IGNORE_GLOBS] },
      functionRootPath: functionsRoot,
    });
  }

  /**
   * The platform replaces a function's variables as a whole, so the ones not being set are read
   * back and sent again: a value set by hand in the console is never lost by a deploy.
   */
  async configureFunction(name: string, change: FunctionConfigChange): Promise<void> {
    let envVariables: Record<string, string> | undefined;
    if (change.variables) {
      const info = await this.functionInfo(name);
      envVariables = Object.fromEntries((info?.Environment?.Variables ?? []).map(({ Key, Value }) => [Key, Value]));
      Object.assign(envVariables, reveal(change.variables));
    }
    await this.apis.functions.updateFunctionConfig({
      name,
      ...(change.timeout !== undefined ? { timeout: change.timeout } : {}),
      ...(change.memorySize !== undefined ? { memorySize: change.memorySize } : {}),
      ...(envVariables ? { envVariables } : {}),
    });
  }

  async replaceTimers(name: string, remove: readonly string[], add: readonly TimerTrigger[]): Promise<void> {
    for (const triggerName of remove) await this.apis.functions.deleteFunctionTrigger(name, triggerName);
    if (add.length > 0) await this.apis.functions.createFunctionTriggers(name, add.map((trigger) => ({ ...trigger })));
  }

  async createHttpAccess(path: string, functionName: string): Promise<void> {
    await this.apis.access.createAccess({ name: functionName, path });
  }

  async uploadHosting(hosting: HostingPlan): Promise<void> {
    await this.apis.hosting.uploadFiles({ localPath: hosting.localDir, cloudPath: hosting.cloudPath });
  }

  /** The API answers for at most 100 resources a call. */
  private async collectionPermissions(names: readonly string[]): Promise<Map<string, string>> {
    const permissions = new Map<string, string>();
    for (let at = 0; at < names.length; at += 100) {
      const answer = await this.apis.permission.describeResourcePermission({ resourceType: 'collection', resources: names.slice(at, at + 100) });
      for (const entry of answer.Data?.PermissionList ?? []) if (entry.Resource && entry.Permission) permissions.set(entry.Resource, entry.Permission);
    }
    return permissions;
  }

  private async functionInfo(name: string): Promise<IFunctionInfo | null> {
    try {
      return await this.apis.functions.getFunctionDetail(name);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}
