/**
 * The differ: how a recorded environment differs from the plan, and what a deploy does about it.
 * A missing unique index is the double payment the deploy exists to prevent; a unique index that
 * exists in another shape is for a person to look at, and is never dropped.
 */
import type { EnvironmentDescription, LiveCollection, LiveFunction } from '../../../scripts/deploy/cloud-environment';
import { findDrift, resolutionOf } from '../../../scripts/deploy/drift';
import { planDeployment } from '../../../scripts/deploy/plan';
import { RecordedEnvironment } from '../../../scripts/deploy/recorded';
import { fingerprintOf } from '../../../scripts/deploy/secret-value';
import { deploySteps } from '../../../scripts/deploy/steps';
import { asSecrets, deployedDescription, EMPTY_ENVIRONMENT, ENV_ID, requiredValues } from './support';

const values = requiredValues();
const plan = planDeployment({ envId: ENV_ID, values: asSecrets(values) });
const scope = { collections: plan.collections.map((c) => c.name), functions: plan.functions.map((f) => f.name), httpAccess: plan.functions.some((f) => f.httpAccessPath !== null) };

let deployed: EnvironmentDescription;
beforeAll(async () => {
  deployed = await deployedDescription(plan);
});

/** The deployed environment with one collection or function changed. */
function changed(edit: { collection?: (c: LiveCollection) => LiveCollection; fn?: (f: LiveFunction) => LiveFunction }): EnvironmentDescription {
  return {
    ...deployed,
    collections: deployed.collections.map((c) => edit.collection?.(c) ?? c),
    functions: deployed.functions.map((f) => edit.fn?.(f) ?? f),
  };
}

describe('drift between the plan and an environment', () => {
  it('is nothing once a deploy has run', () => {
    expect(findDrift(plan, deployed)).toEqual([]);
  });

  it('in an empty environment is every collection, every index and every function, all for deploy to create', () => {
    const drift = findDrift(plan, EMPTY_ENVIRONMENT);
    const indexCount = plan.collections.reduce((sum, c) => sum + c.indexes.length, 0);
    expect(drift.filter((d) => d.kind === 'collection-missing')).toHaveLength(plan.collections.length);
    expect(drift.filter((d) => d.kind === 'index-missing')).toHaveLength(indexCount);
    expect(drift.filter((d) => d.kind === 'function-missing')).toHaveLength(plan.functions.length);
    expect(drift.every((d) => resolutionOf(d) === 'deploy')).toBe(true);
  });

  it('is exactly a missing index and a changed timer when that is what differs', () => {
    const live = changed({
      collection: (c) => (c.name === 'orders' ? { ...c, indexes: c.indexes.filter((i) => i.name !== 'outTradeNo_1') } : c),
      fn: (f) => (f.name === 'paymentsSweep' ? { ...f, triggers: [{ name: 'sweep', type: 'timer', config: '0 */5 * * * * *' }] } : f),
    });
    expect(findDrift(plan, live)).toEqual([
      { kind: 'index-missing', collection: 'orders', index: expect.objectContaining({ name: 'outTradeNo_1', unique: true }) },
      { kind: 'timer-changed', functionName: 'paymentsSweep', trigger: { name: 'sweep', type: 'timer', config: '0 */1 * * * * *' }, live: { name: 'sweep', type: 'timer', config: '0 */5 * * * * *' } },
    ]);
  });

  it('counts an index made by hand under another name as present', () => {
    const live = changed({ collection: (c) => (c.name === 'bills' ? { ...c, indexes: c.indexes.map((i) => (i.unique ? { ...i, name: '学生学期项目' } : i)) } : c) });
    expect(findDrift(plan, live)).toEqual([]);
  });

  it('reports a unique index that exists without uniqueness or with other fields, and never plans to drop it', () => {
    const live = changed({
      collection: (c) => {
        if (c.name === 'orders') return { ...c, indexes: c.indexes.map((i) => (i.name === 'outTradeNo_1' ? { ...i, unique: false } : i)) };
        if (c.name === 'receipts') return { ...c, indexes: c.indexes.map((i) => (i.name === 'orderId_1' ? { ...i, keys: [{ field: 'studentId', direction: '1' }] } : i)) };
        return c;
      },
    });
    const drift = findDrift(plan, live);
    expect(drift).toEqual([
      expect.objectContaining({ kind: 'index-conflict', collection: 'orders', conflict: 'not-unique' }),
      expect.objectContaining({ kind: 'index-conflict', collection: 'receipts', conflict: 'other-keys' }),
    ]);
    expect(drift.map(resolutionOf)).toEqual(['manual', 'manual']);
    expect(deploySteps(plan, drift).filter((step) => /索引|index/i.test(step.description))).toEqual([]);
  });

  it('reports an undeclared unique index for a person, and keeps an undeclared ordinary one', () => {
    const live = changed({
      collection: (c) =>
        c.name === 'students'
          ? { ...c, indexes: [...c.indexes, { name: 'phone_1', keys: [{ field: 'phone', direction: '1' }], unique: true }, { name: 'name_1', keys: [{ field: 'name', direction: '1' }], unique: false }] }
          : c,
    });
    expect(findDrift(plan, live).map((d) => [d.kind, resolutionOf(d)])).toEqual([
      ['index-undeclared', 'manual'],
      ['index-undeclared', 'none'],
    ]);
  });

  it('sees a published development default in a live variable from its fingerprint alone', () => {
    const published = 'local-cloud-identity-hmac-key--for-development-only--not-for-production';
    const live = changed({
      fn: (f) => (f.name === 'auth' ? { ...f, variables: { ...f.variables, IDENTITY_HMAC_KEY: { fingerprint: fingerprintOf(published), length: published.length } } } : f),
    });
    expect(findDrift(plan, live)).toEqual([expect.objectContaining({ kind: 'variable-unsafe', functionName: 'auth', problem: 'development-default' })]);
  });

  it('leaves only what needs a person after a deploy to a drifted environment', async () => {
    const live = changed({
      collection: (c) => (c.name === 'orders' ? { ...c, indexes: c.indexes.filter((i) => i.name !== 'outTradeNo_1') } : c),
      fn: (f) => {
        if (f.name === 'paymentsSweep') return { ...f, timeout: 3, triggers: [], variables: {} };
        if (f.name === 'auth') return { ...f, runtime: 'Nodejs12.16', variables: { ...f.variables, SET_BY_HAND: { fingerprint: 'sha256:0', length: 3 } } };
        return f;
      },
    });
    const environment = new RecordedEnvironment(live);
    for (const step of deploySteps(plan, findDrift(plan, live))) await step.run(environment);
    const after = findDrift(plan, await environment.describe(scope));
    expect(after.map((d) => [d.kind, resolutionOf(d)])).toEqual([
      ['function-runtime', 'manual'],
      ['variable-undeclared', 'none'],
    ]);
  });
});
