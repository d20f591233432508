/**
 * The deploy plan is derived from the repository: what an IT person deploys is exactly what the
 * schema, the function folders and the declared variables say, with nothing listed twice.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENVIRONMENT_VARIABLES, variablesOf } from '../../../cloudfunctions/shared/runtime/environment';
import { ALL_COLLECTIONS, type CollectionSpec } from '../../../cloudfunctions/shared/schema';
import { listFunctionNames, readFunctionConfig } from '../../../local/functions';
import type * as Planner from '../../../scripts/deploy/plan';
import { FUNCTION_DEFAULTS, planDeployment, variableProblemsByFunction, type DeploymentPlan } from '../../../scripts/deploy/plan';
import { RecordedEnvironment } from '../../../scripts/deploy/recorded';
import { deploySteps } from '../../../scripts/deploy/steps';
import { asSecrets, EMPTY_ENVIRONMENT, ENV_ID, requiredValues, scratchRoot } from './support';

const plan = planDeployment({ envId: ENV_ID, values: new Map() });

describe('the deploy plan', () => {
  it('holds every collection of the schema, each with every one of its indexes and their uniqueness', () => {
    expect(plan.collections.map((c) => c.name)).toEqual(ALL_COLLECTIONS.map((c) => c.name));
    for (const spec of ALL_COLLECTIONS) {
      const planned = plan.collections.find((c) => c.name === spec.name)!;
      expect(planned.indexes.map((index) => ({ fields: index.keys.map((key) => key.field), unique: index.unique }))).toEqual(
        spec.indexes.map((index) => ({ fields: [...index.fields], unique: index.unique === true })),
      );
    }
  });

  it('names each index the way MongoDB does, so one made by hand in the console is recognised', () => {
    const bills = plan.collections.find((c) => c.name === 'bills')!;
    expect(bills.indexes.find((index) => index.unique)!.name).toBe('studentId_1_term_1_itemCode_1');
  });

  it('picks up an index added to the schema, without any change to the deploy code', () => {
    const extra: CollectionSpec = { name: 'vouchers', purpose: '测试用', indexes: [{ fields: ['code'], unique: true, why: '券码唯一' }] };
    let withExtra: DeploymentPlan | undefined;
    jest.isolateModules(() => {
      jest.doMock('../../../cloudfunctions/shared/schema', () => ({ ALL_COLLECTIONS: [...ALL_COLLECTIONS, extra] }));
      const planner = jest.requireActual<typeof Planner>('../../../scripts/deploy/plan');
      withExtra = planner.planDeployment({ envId: ENV_ID, values: new Map() });
    });
    jest.dontMock('../../../cloudfunctions/shared/schema');
    expect(withExtra!.collections.at(-1)).toMatchObject({ name: 'vouchers', indexes: [{ name: 'code_1', unique: true }] });
  });

  it('holds every function folder with its config.json: timeout, memory, timers, openapi permissions', () => {
    expect(plan.functions.map((fn) => fn.name)).toEqual(listFunctionNames());
    for (const fn of plan.functions) {
      const config = readFunctionConfig(fn.name);
      expect(fn.timeout).toBe(config.timeout ?? FUNCTION_DEFAULTS.timeout);
      expect(fn.memorySize).toBe(config.memorySize ?? FUNCTION_DEFAULTS.memorySize);
      expect(fn.triggers.map((t) => [t.name, t.config])).toEqual((config.triggers ?? []).map((t) => [t.name, t.config]));
      expect(fn.openapi).toEqual(config.permissions?.openapi ?? []);
      expect(fn.dependencies['wx-server-sdk']).toBe('4.0.2');
    }
  });

  it('uploads the built code with its manifest and assets, never the TypeScript sources', () => {
    const receipts = plan.functions.find((fn) => fn.name === 'receipts')!;
    expect(receipts.codeFiles).toEqual(expect.arrayContaining(['package.json', 'config.json']));
    expect(receipts.codeFiles.filter((file) => file.endsWith('.ts') || file.startsWith('node_modules'))).toEqual([]);
  });

  it('gives each function exactly the variables declared for it', () => {
    for (const fn of plan.functions) expect(fn.variables.map((v) => v.spec.name)).toEqual(variablesOf(fn.name).map((spec) => spec.name));
    const everywhere = new Set(plan.functions.flatMap((fn) => fn.variables.map((v) => v.spec.name)));
    expect([...everywhere].sort()).toEqual(ENVIRONMENT_VARIABLES.map((spec) => spec.name).sort());
  });

  it('lists, by function, each required variable that has no value', () => {
    const missing = variableProblemsByFunction(plan);
    const expected = listFunctionNames()
      .map((name) => ({ functionName: name, problems: variablesOf(name).filter((s) => s.required).map((s) => ({ variable: s.name, problem: 'missing' })) }))
      .filter((entry) => entry.problems.length > 0);
    expect(missing).toEqual(expected);
    expect(missing.find((entry) => entry.functionName === 'auth')!.problems).toEqual([{ variable: 'IDENTITY_HMAC_KEY', problem: 'missing' }]);
  });

  it('has nothing to refuse once every required variable has a good value', () => {
    expect(variableProblemsByFunction(planDeployment({ envId: ENV_ID, values: asSecrets(requiredValues()) }))).toEqual([]);
  });

  it('refuses, before sending, a published development default, a short secret and a test-only setting', () => {
    const values = {
      ...requiredValues(),
      IDENTITY_HMAC_KEY: 'local-cloud-identity-hmac-key--for-development-only--not-for-production',
      RECEIPT_CHECK_SECRET: 'too-short',
      PASSWORD_SCRYPT_LOG_N: '11',
    };
    const problems = variableProblemsByFunction(planDeployment({ envId: ENV_ID, values: asSecrets(values) }));
    expect(problems).toEqual([
      { functionName: 'admin', problems: [{ variable: 'IDENTITY_HMAC_KEY', problem: 'development-default' }] },
      { functionName: 'auth', problems: [{ variable: 'IDENTITY_HMAC_KEY', problem: 'development-default' }, { variable: 'PASSWORD_SCRYPT_LOG_N', problem: 'development-only' }] },
      { functionName: 'receipts', problems: [{ variable: 'RECEIPT_CHECK_SECRET', problem: 'too-short' }] },
    ]);
  });

  it('has no static hosting until the finance console is built, then publishes it under /admin/ with its config.json', async () => {
    const root = scratchRoot();
    try {
      // A project without a built console (this checkout may have built one).
      expect(planDeployment({ envId: ENV_ID, values: new Map(), projectRoot: root.dir }).hosting).toBeNull();
      mkdirSync(path.join(root.dir, 'admin', 'dist'), { recursive: true });
      writeFileSync(path.join(root.dir, 'admin', 'dist', 'index.html'), '<!doctype html>');
      const withConsole = planDeployment({ envId: ENV_ID, values: new Map(), projectRoot: root.dir, consoleApiBase: 'https://pay-api.example.edu.cn/admin-api/' });
      expect(withConsole.hosting).toEqual({
        localDir: path.join(root.dir, 'admin', 'dist'),
        cloudPath: 'admin/',
        config: { apiBase: 'https://pay-api.example.edu.cn/admin-api', developmentTools: false },
      });
      // Without the admin function's address the console is planned but not uploaded.
      expect(planDeployment({ envId: ENV_ID, values: new Map(), projectRoot: root.dir }).hosting).toMatchObject({ config: null });
      const upload = deploySteps(withConsole, []).find((step) => step.description.startsWith('上传财务后台'));
      expect(upload?.description).toContain('接口 https://pay-api.example.edu.cn/admin-api');
      const environment = new RecordedEnvironment(EMPTY_ENVIRONMENT);
      await upload!.run(environment);
      expect(JSON.parse(readFileSync(path.join(root.dir, 'admin', 'dist', 'config.json'), 'utf8'))).toEqual({ apiBase: 'https://pay-api.example.edu.cn/admin-api', developmentTools: false });
    } finally {
      root.remove();
    }
  });
});
