/**
 * `npm run deploy` gives each function only the variables runtime/environment.ts declares for it, and
 * a secret read by a function without it stops that action in production. So every function whose
 * bundle reads a secret must declare it: the local cloud shares one environment and would not notice.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bundledSourcesOf } from '../../../scripts/build';
import { listFunctionNames, PROJECT_ROOT } from '../../../local/functions';
import { variablesOf } from '../../../cloudfunctions/shared/runtime/environment';

/**
 * How feature code reads each secret. The runtime's own reads (the internal-call secret) are in every
 * bundle and reached only by the internal actions a function declares, so they are left out here.
 */
const SECRET_READS: Readonly<Record<string, RegExp>> = {
  IDENTITY_HMAC_KEY: /\bidentityHmacKey\(\)/,
  ADMIN_BOOTSTRAP_CODE: /\breadSecret\(BOOTSTRAP_CODE_ENV\)/,
};

it('every function declares the secrets its code reads', async () => {
  const missing: string[] = [];
  const readersSeen = new Set<string>();
  for (const name of listFunctionNames()) {
    const declared = new Set(variablesOf(name).map((spec) => spec.name));
    for (const file of (await bundledSourcesOf(name)).filter((source) => !source.startsWith('cloudfunctions/shared/runtime/'))) {
      const source = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
      for (const [variable, read] of Object.entries(SECRET_READS)) {
        if (!read.test(source)) continue;
        readersSeen.add(variable);
        if (!declared.has(variable)) missing.push(`${name} reads ${variable} in ${file}`);
      }
    }
  }
  // Each pattern still finds its readers (a renamed reader would otherwise pass unchecked).
  expect([...readersSeen].sort()).toEqual(Object.keys(SECRET_READS).sort());
  expect(missing).toEqual([]);
}, 60_000);
