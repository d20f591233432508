/**
 * The planner: what a CloudBase environment must hold, derived from the repository alone — the
 * collections and indexes in cloudfunctions/shared/schema.ts, each cloudfunctions/<fn>/ folder
 * (config.json, package.json), and the declared environment variables. Nothing here is a second
 * list: a new index, function, timer or variable shows up in the plan by being added where it
 * belongs. No network.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ALL_COLLECTIONS, type CollectionSpec, type IndexSpec } from '../../cloudfunctions/shared/schema';
import { variableProblem, variablesOf, type VariableProblem, type VariableSpec } from '../../cloudfunctions/shared/runtime/environment';
import { FUNCTIONS_ROOT, listFunctionNames, PROJECT_ROOT, readFunctionConfig } from '../../local/functions';
import type { SecretValue } from './secret-value';

/** What a function gets when its config.json says nothing (the platform's defaults, made explicit). */
export const FUNCTION_DEFAULTS = {
  /** Runtime of a new function: the bundles are built for Node 16 (scripts/build.ts). */
  runtime: 'Nodejs16.13',
  minimumNodeMajor: 16,
  timeout: 3,
  memorySize: 256,
  handler: 'index.main',
} as const;

/**
 * What uploads from a function's folder: the built index.js with package.json, config.json and any
 * assets (the receipts font); not the TypeScript sources, source maps or a local node_modules (the
 * cloud installs package.json's dependencies).
 */
export const CODE_EXCLUDED = { extensions: ['.ts', '.map'], folders: ['node_modules'] } as const;

/** The same rule as globs, for manager-node's packer. */
export const CODE_IGNORE_GLOBS: readonly string[] = [
  ...CODE_EXCLUDED.extensions.map((extension) => `**/*${extension}`),
  ...CODE_EXCLUDED.folders.flatMap((folder) => [folder, `${folder}/**`]),
];

/**
 * HTTP access paths (云接入) by function: the finance console calls the `admin` function at
 * `https://<域名>/admin-api/<action>` (the function reads the action from the path's last part).
 */
export const HTTP_ACCESS_PATHS: Readonly<Record<string, string>> = { admin: '/admin-api' };

/**
 * Who may read and write, as the platform's permission settings (云开发控制台 → 数据库 / 存储 →
 * 权限设置) spell them. Every read and write of the database goes through the functions; receipt
 * PDFs reach a student only as a short-lived link the receipts function makes.
 */
export const ACCESS_RULES = {
  /** 仅管理端可读写 */
  collection: 'ADMINONLY',
  /** 仅创建者及管理员可读写 (仅管理员可读写 is as good) */
  storage: 'PRIVATE',
  storageAlsoAccepted: ['ADMINONLY'],
} as const;

/** The finance console's build, published to static hosting once it exists. */
export const CONSOLE_BUILD = { dir: 'admin/dist', entry: 'index.html', cloudPath: 'admin/' } as const;

export interface IndexKey {
  readonly field: string;
  /** '1' ascending, '-1' descending, as the database API spells it. */
  readonly direction: string;
}

export interface DesiredIndex {
  readonly name: string;
  readonly keys: readonly IndexKey[];
  readonly unique: boolean;
  readonly why: string;
}

export interface DesiredCollection {
  readonly name: string;
  readonly purpose: string;
  readonly appendOnly: boolean;
  readonly indexes: readonly DesiredIndex[];
  readonly permission: string;
}

export interface TimerTrigger {
  readonly name: string;
  readonly type: 'timer';
  /** Seven-field cron, as config.json writes it. */
  readonly config: string;
}

export interface DesiredVariable {
  readonly spec: VariableSpec;
  /** The value to send; null when neither the environment nor cloudbase.env has one. */
  readonly value: SecretValue | null;
  /** What production would refuse about it (missing, weak, a development default…), or null. */
  readonly problem: VariableProblem | null;
}

export interface DesiredFunction {
  readonly name: string;
  readonly runtime: string;
  readonly handler: string;
  readonly timeout: number;
  readonly memorySize: number;
  /** Installed by the cloud from package.json when the code uploads. */
  readonly dependencies: Readonly<Record<string, string>>;
  readonly triggers: readonly TimerTrigger[];
  /** 云调用 permissions; they travel in config.json inside the code package. */
  readonly openapi: readonly string[];
  readonly variables: readonly DesiredVariable[];
  readonly httpAccessPath: string | null;
  /** Files that upload, relative to the function's folder (index.js only once built). */
  readonly codeFiles: readonly string[];
  readonly built: boolean;
}

export interface HostingPlan {
  readonly localDir: string;
  readonly cloudPath: string;
  /** The console's config.json, written beside index.html before the upload; null while ADMIN_API_BASE is not set. */
  readonly config: { readonly apiBase: string; readonly developmentTools: false } | null;
}

export interface DeploymentPlan {
  readonly envId: string;
  readonly functionsRoot: string;
  readonly collections: readonly DesiredCollection[];
  readonly functions: readonly DesiredFunction[];
  readonly storageAcl: string;
  /** The finance console; null while admin/dist does not exist. */
  readonly hosting: HostingPlan | null;
}

/** MongoDB's own naming (`field_1_other_1`), so an index made in the console by hand matches. */
export function indexNameOf(keys: readonly IndexKey[]): string {
  return keys.map((key) => `${key.field}_${key.direction}`).join('_');
}

function desiredIndex(index: IndexSpec): DesiredIndex {
  const keys = index.fields.map((field) => ({ field, direction: '1' }));
  return { name: indexNameOf(keys), keys, unique: index.unique === true, why: index.why };
}

function desiredCollection(collection: CollectionSpec): DesiredCollection {
  return {
    name: collection.name,
    purpose: collection.purpose,
    appendOnly: collection.appendOnly === true,
    indexes: collection.indexes.map(desiredIndex),
    permission: ACCESS_RULES.collection,
  };
}

function uploadedFiles(folder: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(folder, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!(CODE_EXCLUDED.folders as readonly string[]).includes(entry.name)) files.push(...uploadedFiles(folder, relative));
    } else if (!CODE_EXCLUDED.extensions.some((extension) => entry.name.endsWith(extension))) {
      files.push(relative);
    }
  }
  return files.sort();
}

function desiredFunction(functionsRoot: string, name: string, values: ReadonlyMap<string, SecretValue>): DesiredFunction {
  const folder = path.join(functionsRoot, name);
  const config = readFunctionConfig(name);
  const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return {
    name,
    runtime: FUNCTION_DEFAULTS.runtime,
    handler: FUNCTION_DEFAULTS.handler,
    timeout: config.timeout ?? FUNCTION_DEFAULTS.timeout,
    memorySize: config.memorySize ?? FUNCTION_DEFAULTS.memorySize,
    dependencies: manifest.dependencies ?? {},
    triggers: (config.triggers ?? []).map((trigger) => ({ name: trigger.name, type: 'timer', config: trigger.config })),
    openapi: config.permissions?.openapi ?? [],
    variables: variablesOf(name).map((spec) => {
      const value = values.get(spec.name) ?? null;
      // The target is production: the plan applies the rules the function will apply at start-up.
      return { spec, value, problem: variableProblem(spec, value?.reveal(), true) };
    }),
    httpAccessPath: HTTP_ACCESS_PATHS[name] ?? null,
    codeFiles: uploadedFiles(folder),
    built: existsSync(path.join(folder, 'index.js')),
  };
}

function consoleHosting(projectRoot: string, apiBase: string | null): HostingPlan | null {
  const dir = path.join(projectRoot, CONSOLE_BUILD.dir);
  const entry = path.join(dir, CONSOLE_BUILD.entry);
  if (!existsSync(entry) || !statSync(entry).isFile()) return null;
  return { localDir: dir, cloudPath: CONSOLE_BUILD.cloudPath, config: apiBase ? { apiBase: apiBase.replace(/\/+$/, ''), developmentTools: false } : null };
}

export interface PlanInput {
  readonly envId: string;
  /** Declared variables' values (cloudbase.env and the environment). */
  readonly values: ReadonlyMap<string, SecretValue>;
  /** Where admin/dist is looked for; the repository by default. */
  readonly projectRoot?: string;
  /** ADMIN_API_BASE: where the console calls the admin function. */
  readonly consoleApiBase?: string | null;
}

export function planDeployment({ envId, values, projectRoot = PROJECT_ROOT, consoleApiBase = null }: PlanInput): DeploymentPlan {
  return {
    envId,
    functionsRoot: FUNCTIONS_ROOT,
    collections: ALL_COLLECTIONS.map(desiredCollection),
    functions: listFunctionNames().map((name) => desiredFunction(FUNCTIONS_ROOT, name, values)),
    storageAcl: ACCESS_RULES.storage,
    hosting: consoleHosting(projectRoot, consoleApiBase),
  };
}

export interface FunctionVariableProblems {
  readonly functionName: string;
  readonly problems: readonly { readonly variable: string; readonly problem: VariableProblem }[];
}

/** By function, what production would refuse: the list deploy prints, and refuses to send with. */
export function variableProblemsByFunction(plan: DeploymentPlan): FunctionVariableProblems[] {
  return plan.functions
    .map((fn) => ({
      functionName: fn.name,
      problems: fn.variables.flatMap((variable) => (variable.problem ? [{ variable: variable.spec.name, problem: variable.problem }] : [])),
    }))
    .filter((entry) => entry.problems.length > 0);
}
