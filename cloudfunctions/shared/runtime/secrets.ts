/**
 * Secrets come from the function's environment variables (云开发控制台 → 云函数 → 函数配置 →
 * 环境变量, or `npm run deploy`), never from code or the database. Which function needs which
 * secret, and how long it must be, is declared once in runtime/environment.ts. A missing or weak
 * secret stops the action with an error that names the variable, instead of silently hashing with
 * an empty key; in production the function already refused to start.
 */
import {
  isProductionRuntime,
  PROBLEM_TEXT,
  variableProblem,
  variableSpec,
  type VariableName,
  type VariableSpec,
} from './environment';

type Env = Readonly<Record<string, string | undefined>>;

/** Key of the HMAC that turns an ID number or phone number into a lookup value. */
export const IDENTITY_HMAC_KEY_ENV = 'IDENTITY_HMAC_KEY' satisfies VariableName;

export class MissingSecretError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
    spec: VariableSpec,
  ) {
    super(
      `环境变量 ${variable} ${reason}：请在云开发控制台为使用它的云函数（${spec.functions.join('、')}）设置同一个随机值` +
        `${spec.minLength ? `，至少 ${spec.minLength} 个字符` : ''}；本地云会自动设置开发用的默认值`,
    );
    this.name = 'MissingSecretError';
  }
}

export function readSecret(variable: VariableName, env: Env = process.env): string {
  const spec = variableSpec(variable);
  const value = env[variable];
  const problem = variableProblem({ ...spec, required: true }, value, isProductionRuntime(env));
  if (problem === 'too-short') throw new MissingSecretError(variable, `太短（${value?.trim().length ?? 0} 个字符）`, spec);
  if (problem || value === undefined) throw new MissingSecretError(variable, PROBLEM_TEXT[problem ?? 'missing'], spec);
  return value;
}

export const identityHmacKey = (env: Env = process.env): string => readSecret(IDENTITY_HMAC_KEY_ENV, env);
