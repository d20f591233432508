/**
 * Secrets come from the function's environment variables (云开发控制台 → 云函数 → 函数配置 →
 * 环境变量), never from code or the database. A missing or weak secret stops the action with an
 * error that names the variable, instead of silently hashing with an empty key.
 */

/** Key of the HMAC that turns an ID number or phone number into a lookup value. Same value in every function that looks students up (auth, admin). */
export const IDENTITY_HMAC_KEY_ENV = 'IDENTITY_HMAC_KEY';

export const MIN_SECRET_LENGTH = 32;

export class MissingSecretError extends Error {
  constructor(readonly variable: string, reason: string) {
    super(
      `环境变量 ${variable} ${reason}：请在云开发控制台为使用它的云函数（auth、admin）设置同一个随机值，至少 ${MIN_SECRET_LENGTH} 个字符；` +
        `本地云会自动设置开发用的默认值`,
    );
    this.name = 'MissingSecretError';
  }
}

export function readSecret(variable: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[variable];
  if (value === undefined || value.trim() === '') throw new MissingSecretError(variable, '未设置');
  if (value.length < MIN_SECRET_LENGTH) throw new MissingSecretError(variable, `太短（${value.length} 个字符）`);
  return value;
}

export const identityHmacKey = (env: NodeJS.ProcessEnv = process.env): string => readSecret(IDENTITY_HMAC_KEY_ENV, env);
