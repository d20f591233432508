/**
 * Where `npm run deploy` and `npm run upload` take credentials and the functions' variable values
 * from: the process environment, then `cloudbase.env` in the project root (git-ignored; its example
 * `cloudbase.env.example` is committed). The environment wins, so CI can inject secrets without a
 * file. Every value is wrapped in a SecretValue at once: nothing read here is ever printed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ENVIRONMENT_VARIABLES } from '../../cloudfunctions/shared/runtime/environment';
import { SecretValue } from './secret-value';

export const SETTINGS_FILE = 'cloudbase.env';

/** Tencent Cloud API keys (访问管理 → API 密钥) that manager-node signs its calls with. */
export const CREDENTIAL_VARIABLES = {
  secretId: 'TCB_SECRET_ID',
  secretKey: 'TCB_SECRET_KEY',
  sessionToken: 'TCB_SESSION_TOKEN',
  region: 'TCB_REGION',
} as const;

/** The mini program's code upload key (公众平台 → 开发管理 → 小程序代码上传密钥), as a file path. */
export const UPLOAD_KEY_VARIABLE = 'MINIPROGRAM_PRIVATE_KEY_PATH';

/**
 * Where the finance console calls the admin function: the HTTP access service's domain (an
 * ICP-filed custom domain, or the environment's default one) + the admin path, e.g.
 * https://pay-api.example.edu.cn/admin-api. Written into the console's config.json at deploy.
 */
export const CONSOLE_API_BASE_VARIABLE = 'ADMIN_API_BASE';

type Env = Readonly<Record<string, string | undefined>>;

export interface DeploySettings {
  /** Where the values came from, for the plan's header (never the values). */
  readonly sources: readonly string[];
  readonly credentials: {
    readonly secretId: SecretValue | null;
    readonly secretKey: SecretValue | null;
    readonly sessionToken: SecretValue | null;
    readonly region: string | null;
  };
  /** Declared function variables that have a value. */
  readonly variables: ReadonlyMap<string, SecretValue>;
  readonly uploadKeyPath: string | null;
  readonly consoleApiBase: string | null;
}

/** `KEY=value` lines; `#` comments and blank lines skipped; one pair of surrounding quotes removed. */
export function parseSettingsFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at <= 0) continue;
    const key = line.slice(0, at).trim().replace(/^export\s+/, '');
    let value = line.slice(at + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) value = value.slice(1, -1);
    values[key] = value;
  }
  return values;
}

export function loadDeploySettings(options: { projectRoot: string; env: Env; file?: string }): DeploySettings {
  const file = path.resolve(options.projectRoot, options.file ?? SETTINGS_FILE);
  const shownAs = path.relative(options.projectRoot, file) || file;
  const found = existsSync(file);
  const fromFile = found ? parseSettingsFile(readFileSync(file, 'utf8')) : {};
  const sources = found ? ['进程环境变量（优先）', shownAs] : [`进程环境变量（没有 ${shownAs}）`];
  const read = (name: string): string | null => {
    const value = options.env[name]?.trim() || fromFile[name]?.trim();
    return value ? value : null;
  };
  const secret = (name: string): SecretValue | null => {
    const value = read(name);
    return value === null ? null : new SecretValue(value);
  };
  const variables = new Map<string, SecretValue>();
  for (const spec of ENVIRONMENT_VARIABLES) {
    const value = secret(spec.name);
    if (value) variables.set(spec.name, value);
  }
  return {
    sources,
    credentials: {
      secretId: secret(CREDENTIAL_VARIABLES.secretId),
      secretKey: secret(CREDENTIAL_VARIABLES.secretKey),
      sessionToken: secret(CREDENTIAL_VARIABLES.sessionToken),
      region: read(CREDENTIAL_VARIABLES.region),
    },
    variables,
    uploadKeyPath: read(UPLOAD_KEY_VARIABLE),
    consoleApiBase: read(CONSOLE_API_BASE_VARIABLE),
  };
}
