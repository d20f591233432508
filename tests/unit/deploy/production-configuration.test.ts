/**
 * The configuration check the functions run when they start: in production (the platform sets
 * TENCENTCLOUD_RUNENV) a missing or weak required secret, a development default published in this
 * repository or a test-only setting stops the function; the local cloud and the tests are never
 * stopped. The declaration it reads is the one the deploy plan and the docs follow.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DEVELOPMENT_DEFAULTS,
  ENVIRONMENT_VARIABLES,
  EnvironmentNotReadyError,
  PLATFORM_RUNTIME_VARIABLE,
  requireDeclaredEnvironment,
} from '../../../cloudfunctions/shared/runtime/environment';
import { identityHmacKey, MissingSecretError } from '../../../cloudfunctions/shared/runtime/secrets';
import { listFunctionNames, PROJECT_ROOT } from '../../../local/functions';
import { LOCAL_SECRET_DEFAULTS } from '../../../local/seed/students';
import { CREDENTIAL_VARIABLES, UPLOAD_KEY_VARIABLE } from '../../../scripts/deploy/settings';
import { requiredValues } from './support';

const PRODUCTION = { [PLATFORM_RUNTIME_VARIABLE]: 'SCF' };
const good = requiredValues();

function refusal(functionName: string, env: Record<string, string>): EnvironmentNotReadyError | null {
  try {
    requireDeclaredEnvironment(functionName, env);
    return null;
  } catch (error) {
    if (error instanceof EnvironmentNotReadyError) return error;
    throw error;
  }
}

describe('a function starting in production', () => {
  it('refuses to start without its required variables, naming them', () => {
    expect(refusal('auth', PRODUCTION)?.message).toMatch(/^云函数 auth 拒绝在生产环境启动：IDENTITY_HMAC_KEY 未设置/);
    expect(refusal('pay', PRODUCTION)?.problems).toEqual([
      { variable: 'PAY_SUB_MCH_ID', problem: 'missing' },
      { variable: 'INTERNAL_CALL_SECRET', problem: 'missing' },
    ]);
    expect(refusal('receipts', PRODUCTION)?.problems).toEqual([
      { variable: 'INTERNAL_CALL_SECRET', problem: 'missing' },
      { variable: 'RECEIPT_CHECK_SECRET', problem: 'missing' },
    ]);
  });

  it('starts with good values, and a function that needs none always starts', () => {
    for (const name of listFunctionNames()) expect(refusal(name, { ...PRODUCTION, ...good })).toBeNull();
    expect(refusal('bills', PRODUCTION)).toBeNull();
  });

  it('refuses every development default the local cloud uses, by value, without printing it', () => {
    expect(LOCAL_SECRET_DEFAULTS).toEqual(DEVELOPMENT_DEFAULTS);
    expect(Object.keys(LOCAL_SECRET_DEFAULTS).sort()).toEqual(['ADMIN_BOOTSTRAP_CODE', 'DESKTOP_LINK_SECRET', 'IDENTITY_HMAC_KEY', 'INTERNAL_CALL_SECRET', 'RECEIPT_CHECK_SECRET']);
    for (const [variable, value] of Object.entries(LOCAL_SECRET_DEFAULTS)) {
      const fn = ENVIRONMENT_VARIABLES.find((spec) => spec.name === variable)!.functions[0]!;
      const error = refusal(fn, { ...PRODUCTION, ...good, [variable]: value });
      expect(error?.problems).toEqual([{ variable, problem: 'development-default' }]);
      expect(error?.message).not.toContain(value);
    }
  });

  it('refuses a published key kept as a "previous" receipt key', () => {
    const previous = `k0:${DEVELOPMENT_DEFAULTS.RECEIPT_CHECK_SECRET}`;
    expect(refusal('receipts', { ...PRODUCTION, ...good, RECEIPT_CHECK_SECRET_PREVIOUS: previous })?.problems).toEqual([
      { variable: 'RECEIPT_CHECK_SECRET_PREVIOUS', problem: 'development-default' },
    ]);
  });

  it('refuses a short key, a placeholder key and the test-only scrypt cost', () => {
    expect(refusal('auth', { ...PRODUCTION, ...good, IDENTITY_HMAC_KEY: 'k'.repeat(20) })?.problems).toEqual([{ variable: 'IDENTITY_HMAC_KEY', problem: 'too-short' }]);
    expect(refusal('auth', { ...PRODUCTION, ...good, IDENTITY_HMAC_KEY: 'x'.repeat(40) })?.problems).toEqual([{ variable: 'IDENTITY_HMAC_KEY', problem: 'too-few-characters' }]);
    expect(refusal('auth', { ...PRODUCTION, ...good, PASSWORD_SCRYPT_LOG_N: '11' })?.problems).toEqual([{ variable: 'PASSWORD_SCRYPT_LOG_N', problem: 'development-only' }]);
  });

  it('happens when the function code loads: its entry throws before it can serve a call', () => {
    const saved = process.env[PLATFORM_RUNTIME_VARIABLE];
    process.env[PLATFORM_RUNTIME_VARIABLE] = 'SCF';
    try {
      jest.isolateModules(() => {
        expect(() => jest.requireActual('../../../cloudfunctions/pay/index')).toThrow(/云函数 pay 拒绝在生产环境启动：PAY_SUB_MCH_ID 未设置/);
      });
    } finally {
      if (saved === undefined) delete process.env[PLATFORM_RUNTIME_VARIABLE];
      else process.env[PLATFORM_RUNTIME_VARIABLE] = saved;
    }
  });
});

describe('outside production (local cloud, tests)', () => {
  it('never stops a function, and the development defaults work', () => {
    for (const name of listFunctionNames()) expect(refusal(name, {})).toBeNull();
    expect(identityHmacKey({ IDENTITY_HMAC_KEY: DEVELOPMENT_DEFAULTS.IDENTITY_HMAC_KEY! })).toBe(DEVELOPMENT_DEFAULTS.IDENTITY_HMAC_KEY);
  });

  it('still refuses a missing or short secret when it is read', () => {
    expect(() => identityHmacKey({})).toThrow(MissingSecretError);
    expect(() => identityHmacKey({ IDENTITY_HMAC_KEY: 'short' })).toThrow(/IDENTITY_HMAC_KEY 太短/);
  });

  it('reading a secret in production refuses the published default as well', () => {
    expect(() => identityHmacKey({ ...PRODUCTION, IDENTITY_HMAC_KEY: DEVELOPMENT_DEFAULTS.IDENTITY_HMAC_KEY! })).toThrow(/IDENTITY_HMAC_KEY 是仓库里公开的开发用默认值/);
  });
});

describe('the declaration', () => {
  it('names only functions that exist', () => {
    const functions = new Set(listFunctionNames());
    for (const spec of ENVIRONMENT_VARIABLES) for (const fn of spec.functions) expect({ variable: spec.name, fn, exists: functions.has(fn) }).toEqual({ variable: spec.name, fn, exists: true });
  });

  it('is what the README table and cloudbase.env.example list', () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## 云函数环境变量'), readme.indexOf('## 部署到学校的云开发环境'));
    const example = readFileSync(path.join(PROJECT_ROOT, 'cloudbase.env.example'), 'utf8');
    for (const spec of ENVIRONMENT_VARIABLES) {
      expect({ variable: spec.name, inReadme: table.includes(`\`${spec.name}\``) }).toEqual({ variable: spec.name, inReadme: true });
      expect({ variable: spec.name, inExample: new RegExp(`^#?\\s*${spec.name}=`, 'm').test(example) }).toEqual({ variable: spec.name, inExample: true });
    }
    for (const name of [...Object.values(CREDENTIAL_VARIABLES), UPLOAD_KEY_VARIABLE]) expect(example).toMatch(new RegExp(`^#?\\s*${name}=`, 'm'));
    for (const value of Object.values(DEVELOPMENT_DEFAULTS)) expect(example).not.toContain(value);
  });
});
