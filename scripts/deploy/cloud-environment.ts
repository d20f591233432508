/**
 * The port between the deploy logic and a CloudBase environment. `describe` reads what the
 * environment holds, as plain JSON (the shape `npm run deploy -- --describe` writes and
 * `--recorded` reads back); the other methods change it, one step each. Implemented over
 * @cloudbase/manager-node (manager-node.ts) and by a recorded description (recorded.ts).
 *
 * A description never holds a variable's value: only its fingerprint and length, enough to tell
 * "changed", "too short" or "a published development default" without being able to print it.
 */
import type { DesiredFunction, DesiredIndex, HostingPlan, IndexKey, TimerTrigger } from './plan';
import type { SecretValue } from './secret-value';

export interface LiveIndex {
  readonly name: string;
  readonly keys: readonly IndexKey[];
  readonly unique: boolean;
}

export interface LiveCollection {
  readonly name: string;
  readonly indexes: readonly LiveIndex[];
  /** READONLY, PRIVATE, ADMINWRITE, ADMINONLY or CUSTOM; null when the platform did not say. */
  readonly permission: string | null;
}

export interface LiveVariable {
  readonly fingerprint: string;
  readonly length: number;
}

export interface LiveFunction {
  readonly name: string;
  readonly runtime: string;
  readonly timeout: number;
  readonly memorySize: number;
  readonly triggers: readonly TimerTrigger[];
  readonly variables: Readonly<Record<string, LiveVariable>>;
}

export interface LiveHttpAccess {
  readonly path: string;
  readonly functionName: string;
}

export interface EnvironmentDescription {
  readonly envId: string;
  /** Of the collections asked about, those that exist. */
  readonly collections: readonly LiveCollection[];
  /** Of the functions asked about, those that exist. */
  readonly functions: readonly LiveFunction[];
  readonly httpAccess: readonly LiveHttpAccess[];
  /** Cloud storage's permission, spelled like a collection's. */
  readonly storageAcl: string | null;
}

/** What to read: the plan's collections and functions (an environment may hold others). */
export interface DescribeScope {
  readonly collections: readonly string[];
  readonly functions: readonly string[];
  readonly httpAccess: boolean;
}

export interface FunctionConfigChange {
  readonly timeout?: number;
  readonly memorySize?: number;
  /** Variables to set; the function's other variables are kept. */
  readonly variables?: Readonly<Record<string, SecretValue>>;
}

export interface CloudEnvironment {
  describe(scope: DescribeScope): Promise<EnvironmentDescription>;
  createCollection(name: string): Promise<void>;
  createIndex(collection: string, index: DesiredIndex): Promise<void>;
  setCollectionPermission(collection: string, permission: string): Promise<void>;
  setStorageAcl(acl: string): Promise<void>;
  /** Creates the function with its code, settings, timers and variables. */
  createFunction(fn: DesiredFunction, functionsRoot: string, variables: Readonly<Record<string, SecretValue>>): Promise<void>;
  updateFunctionCode(fn: DesiredFunction, functionsRoot: string): Promise<void>;
  configureFunction(name: string, change: FunctionConfigChange): Promise<void>;
  replaceTimers(name: string, remove: readonly string[], add: readonly TimerTrigger[]): Promise<void>;
  createHttpAccess(path: string, functionName: string): Promise<void>;
  uploadHosting(hosting: HostingPlan): Promise<void>;
}
