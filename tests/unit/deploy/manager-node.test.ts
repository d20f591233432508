/**
 * The adapter over @cloudbase/manager-node, fed with answers recorded in manager-node's own shapes:
 * what it reads becomes the description `--check` compares (values only as fingerprints), and
 * what it sends uses the API's field names (IndexName, MgoKeySchema, MgoIsUnique…).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fingerprintOf, SecretValue } from '../../../scripts/deploy/secret-value';
import { ManagerNodeEnvironment, type ManagerApis } from '../../../scripts/deploy/manager-node';
import { CODE_IGNORE_GLOBS, planDeployment } from '../../../scripts/deploy/plan';
import { ENV_ID } from './support';

const recorded = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'manager-node-responses.json'), 'utf8')) as {
  describeCollection: Record<string, unknown>;
  getFunctionDetail: Record<string, { Environment: { Variables: { Key: string; Value: string }[] } }>;
  describeResourcePermission: unknown;
  getStorageAcl: string;
};

interface Call {
  method: string;
  args: unknown[];
}

/** manager-node answering from the recording, and noting every call that would change something. */
function recordedManager(): { apis: ManagerApis; changes: Call[] } {
  const changes: Call[] = [];
  const change = (method: string) => async (...args: unknown[]) => {
    changes.push({ method, args });
    return { RequestId: 'r' };
  };
  const apis = {
    database: {
      checkCollectionExists: async (name: string) => ({ RequestId: 'r', Exists: name in recorded.describeCollection }),
      describeCollection: async (name: string) => recorded.describeCollection[name],
      createCollection: change('database.createCollection'),
      updateCollection: change('database.updateCollection'),
    },
    functions: {
      getFunctionDetail: async (name: string) => {
        const info = recorded.getFunctionDetail[name];
        if (!info) throw Object.assign(new Error(`[${name}] 函数不存在`), { code: 'ResourceNotFound.Function' });
        return info;
      },
      createFunction: change('functions.createFunction'),
      updateFunctionCode: change('functions.updateFunctionCode'),
      updateFunctionConfig: change('functions.updateFunctionConfig'),
      createFunctionTriggers: change('functions.createFunctionTriggers'),
      deleteFunctionTrigger: change('functions.deleteFunctionTrigger'),
    },
    access: { getAccessList: async () => ({ APISet: [] }), createAccess: change('access.createAccess') },
    hosting: { uploadFiles: change('hosting.uploadFiles') },
    storage: { getStorageAcl: async () => recorded.getStorageAcl, setStorageAcl: change('storage.setStorageAcl') },
    permission: { describeResourcePermission: async () => recorded.describeResourcePermission, modifyResourcePermission: change('permission.modifyResourcePermission') },
  };
  return { apis: apis as unknown as ManagerApis, changes };
}

const hmacKey = recorded.getFunctionDetail.auth!.Environment.Variables[0]!.Value;

describe('the manager-node adapter', () => {
  it('describes indexes, permissions, timers and settings as the plan spells them, and variables only by fingerprint', async () => {
    const { apis } = recordedManager();
    const description = await new ManagerNodeEnvironment(ENV_ID, apis).describe({ collections: ['orders', 'bills'], functions: ['auth', 'pay'], httpAccess: false });
    expect(description.collections).toEqual([
      {
        name: 'orders',
        permission: 'ADMINONLY',
        indexes: [
          { name: '_id_', keys: [{ field: '_id', direction: '1' }], unique: true },
          { name: 'outTradeNo_1', keys: [{ field: 'outTradeNo', direction: '1' }], unique: true },
          { name: 'status_1_nextCheckAt_1', keys: [{ field: 'status', direction: '1' }, { field: 'nextCheckAt', direction: '1' }], unique: false },
        ],
      },
    ]);
    expect(description.functions).toEqual([
      {
        name: 'auth',
        runtime: 'Nodejs16.13',
        timeout: 10,
        memorySize: 512,
        triggers: [{ name: 'authCleanup', type: 'timer', config: '0 20 3 * * * *' }],
        variables: {
          IDENTITY_HMAC_KEY: { fingerprint: fingerprintOf(hmacKey), length: hmacKey.length },
          CONTACT_NOTE: { fingerprint: fingerprintOf('set by hand'), length: 11 },
        },
      },
    ]);
    expect(description.storageAcl).toBe('READONLY');
    expect(JSON.stringify(description)).not.toContain(hmacKey);
  });

  it('creates an index with the fields, order and uniqueness the schema declares', async () => {
    const { apis, changes } = recordedManager();
    const orders = planDeployment({ envId: ENV_ID, values: new Map() }).collections.find((c) => c.name === 'orders')!;
    await new ManagerNodeEnvironment(ENV_ID, apis).createIndex('orders', orders.indexes.find((i) => i.name === 'outTradeNo_1')!);
    expect(changes).toEqual([
      {
        method: 'database.updateCollection',
        args: ['orders', { CreateIndexes: [{ IndexName: 'outTradeNo_1', MgoKeySchema: { MgoIndexKeys: [{ Name: 'outTradeNo', Direction: '1' }], MgoIsUnique: true } }] }],
      },
    ]);
  });

  it('keeps the variables it does not set, since the platform replaces them all at once', async () => {
    const { apis, changes } = recordedManager();
    await new ManagerNodeEnvironment(ENV_ID, apis).configureFunction('auth', { timeout: 10, variables: { IDENTITY_HMAC_KEY: new SecretValue('N3w-k3y-7Hq9Vx2Lp8Rt5Wy1Zc4Bd6Fg0Jm') } });
    expect(changes).toEqual([
      {
        method: 'functions.updateFunctionConfig',
        args: [{ name: 'auth', timeout: 10, envVariables: { IDENTITY_HMAC_KEY: 'N3w-k3y-7Hq9Vx2Lp8Rt5Wy1Zc4Bd6Fg0Jm', CONTACT_NOTE: 'set by hand' } }],
      },
    ]);
  });

  it('creates a function with its code folder, settings, timers and variables, leaving the TypeScript sources behind', async () => {
    const { apis, changes } = recordedManager();
    const plan = planDeployment({ envId: ENV_ID, values: new Map() });
    const cron = plan.functions.find((fn) => fn.name === 'paymentsSweep')!;
    await new ManagerNodeEnvironment(ENV_ID, apis).createFunction(cron, plan.functionsRoot, { PAY_SUB_MCH_ID: new SecretValue('1230000109') });
    expect(changes).toEqual([
      {
        method: 'functions.createFunction',
        args: [
          {
            func: {
              name: 'paymentsSweep',
              runtime: 'Nodejs16.13',
              handler: 'index.main',
              timeout: 60,
              memorySize: 256,
              installDependency: true,
              ignore: [...CODE_IGNORE_GLOBS],
              triggers: [{ name: 'sweep', type: 'timer', config: '0 */1 * * * * *' }],
              envVariables: { PAY_SUB_MCH_ID: '1230000109' },
            },
            functionRootPath: plan.functionsRoot,
            force: false,
          },
        ],
      },
    ]);
    expect(CODE_IGNORE_GLOBS).toEqual(expect.arrayContaining(['**/*.ts', 'node_modules']));
  });

  it('replaces a changed timer by deleting the old one first (one timer per function)', async () => {
    const { apis, changes } = recordedManager();
    await new ManagerNodeEnvironment(ENV_ID, apis).replaceTimers('auth', ['authCleanup'], [{ name: 'authCleanup', type: 'timer', config: '0 30 3 * * * *' }]);
    expect(changes.map((c) => [c.method, ...c.args])).toEqual([
      ['functions.deleteFunctionTrigger', 'auth', 'authCleanup'],
      ['functions.createFunctionTriggers', 'auth', [{ name: 'authCleanup', type: 'timer', config: '0 30 3 * * * *' }]],
    ]);
  });
});
