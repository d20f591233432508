import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENVIRONMENT_VARIABLES } from '../../../cloudfunctions/shared/runtime/environment';
import type { EnvironmentDescription } from '../../../scripts/deploy/cloud-environment';
import { findDrift } from '../../../scripts/deploy/drift';
import type { DeploymentPlan } from '../../../scripts/deploy/plan';
import { RecordedEnvironment } from '../../../scripts/deploy/recorded';
import { SecretValue } from '../../../scripts/deploy/secret-value';
import { deploySteps } from '../../../scripts/deploy/steps';
import { runDeploy } from '../../../scripts/deploy';

export const ENV_ID = 'demo-1a2b3c';

/**
 * A value for every required variable, random per run: secrets look like real keys (long, varied),
 * and a test that searches the output for them finds them only if they leaked.
 */
export function requiredValues(): Record<string, string> {
  const values: Record<string, string> = {};
  for (const spec of ENVIRONMENT_VARIABLES) {
    if (spec.required) values[spec.name] = spec.secret ? randomBytes(33).toString('base64url') : `1${randomBytes(4).readUInt32BE(0)}`;
  }
  return values;
}

export const asSecrets = (values: Record<string, string>): Map<string, SecretValue> =>
  new Map(Object.entries(values).map(([name, value]) => [name, new SecretValue(value)]));

export const EMPTY_ENVIRONMENT: EnvironmentDescription = { envId: ENV_ID, collections: [], functions: [], httpAccess: [], storageAcl: null };

/** An environment as a first deploy leaves it: the deploy steps run against an empty recording. */
export async function deployedDescription(plan: DeploymentPlan): Promise<EnvironmentDescription> {
  const environment = new RecordedEnvironment(EMPTY_ENVIRONMENT);
  const scope = { collections: plan.collections.map((c) => c.name), functions: plan.functions.map((f) => f.name), httpAccess: plan.functions.some((f) => f.httpAccessPath !== null) };
  for (const step of deploySteps(plan, findDrift(plan, await environment.describe(scope)))) await step.run(environment);
  return environment.describe(scope);
}

/** A scratch project root (for cloudbase.env and recorded files), removed after the test file. */
export function scratchRoot(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-deploy-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
  /** Everything printed, both streams. */
  text: string;
}

export async function deployCli(args: string[], options: { env?: Record<string, string>; projectRoot: string }): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeploy(args, { out: (line) => out.push(line), err: (line) => err.push(line), env: options.env ?? {}, projectRoot: options.projectRoot });
  return { code, out, err, text: [...out, ...err].join('\n') };
}
