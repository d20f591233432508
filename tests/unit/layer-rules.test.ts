import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The import rules of the architecture are lint rules; these cases prove each one rejects the code
 * it is meant to reject (and lets the allowed form through), so a loosened config fails here.
 */
const CASES: Record<string, { path: string; code: string }> = {
  pageCloud: { path: 'miniprogram/pages/demo/index.ts', code: 'export function go(): void { wx.cloud.callFunction({ name: "bills" }); }\n' },
  pagePay: { path: 'miniprogram/pages/demo/index.ts', code: 'export function go(): void { wx.requestPayment({} as never); }\n' },
  pageRequest: { path: 'miniprogram/pages/demo/index.ts', code: 'export function go(): void { wx.request({ url: "x" }); }\n' },
  serviceCloud: { path: 'miniprogram/services/demo.ts', code: 'export function go(): void { wx.cloud.callFunction({ name: "bills" }); }\n' },
  valueImport: {
    path: 'miniprogram/pages/demo/index.ts',
    code: "import { CONTRACTS } from '../../../cloudfunctions/shared/contracts';\nexport const c = CONTRACTS;\n",
  },
  typeImport: {
    path: 'miniprogram/pages/demo/index.ts',
    code: "import type { ErrorCode } from '../../../cloudfunctions/shared/contracts';\nexport type C = ErrorCode;\n",
  },
  crossFunction: { path: 'cloudfunctions/pay/handlers.ts', code: "import { main } from '../bills/index';\nexport const m = main;\n" },
  domainPlatform: { path: 'cloudfunctions/shared/domain/demo.ts', code: "import cloud from 'wx-server-sdk';\nexport const c = cloud;\n" },
  domainClock: { path: 'cloudfunctions/shared/domain/demo.ts', code: 'export const t = (): number => Date.now();\n' },
  domainDateFromValue: { path: 'cloudfunctions/shared/domain/demo.ts', code: 'export const d = (ms: number): Date => new Date(ms);\n' },
  handlerClock: { path: 'cloudfunctions/bills/handlers.ts', code: 'export const t = (): Date => new Date();\n' },
};

let results: Record<string, string[]>;

beforeAll(() => {
  const names = Object.keys(CASES);
  const output = execFileSync(process.execPath, [path.join(__dirname, '../support/lint-cases.mjs')], {
    input: JSON.stringify(names.map((name) => CASES[name])),
    encoding: 'utf8',
  });
  const perCase = JSON.parse(output) as string[][];
  results = Object.fromEntries(names.map((name, i) => [name, perCase[i] ?? []]));
}, 60_000);

function violations(name: string): string[] {
  return results[name] ?? [];
}

describe('layer rules', () => {
  it('a page cannot call the cloud, the back end or the pay sheet directly', () => {
    for (const name of ['pageCloud', 'pagePay', 'pageRequest']) {
      expect(violations(name)).toContain('no-restricted-syntax');
    }
  });

  it('services may call the cloud', () => {
    expect(violations('serviceCloud')).toEqual([]);
  });

  it('the mini program imports only types from the contract', () => {
    expect(violations('valueImport')).toContain('@typescript-eslint/no-restricted-imports');
    expect(violations('typeImport')).toEqual([]);
  });

  it('a function cannot import another function', () => {
    expect(violations('crossFunction')).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('domain code imports no platform and reads no clock', () => {
    expect(violations('domainPlatform')).toContain('@typescript-eslint/no-restricted-imports');
    expect(violations('domainClock')).toContain('no-restricted-syntax');
    expect(violations('domainDateFromValue')).toEqual([]);
  });

  it('function code reads time through the context clock', () => {
    expect(violations('handlerClock')).toContain('no-restricted-syntax');
  });
});
