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
  crossFunction: { path: 'cloudfunctions/pay/index.ts', code: "import { main } from '../bills/index';\nexport const m = main;\n" },
  entryDeepImport: { path: 'cloudfunctions/pay/index.ts', code: "import { payHandlers } from '../shared/billing/pay-handlers';\nexport const h = payHandlers;\n" },
  entryThroughIndex: { path: 'cloudfunctions/pay/index.ts', code: "import { payHandlers } from '../shared/billing';\nexport const h = payHandlers;\n" },
  codeInFunctionFolder: { path: 'cloudfunctions/pay/handlers.ts', code: 'export const h = 1;\n' },
  domainPlatform: { path: 'cloudfunctions/shared/billing/domain/demo.ts', code: "import cloud from 'wx-server-sdk';\nexport const c = cloud;\n" },
  domainClock: { path: 'cloudfunctions/shared/billing/domain/demo.ts', code: 'export const t = (): number => Date.now();\n' },
  domainDateFromValue: { path: 'cloudfunctions/shared/billing/domain/demo.ts', code: 'export const d = (ms: number): Date => new Date(ms);\n' },
  domainKernel: { path: 'cloudfunctions/shared/billing/domain/demo.ts', code: "import { fen } from '../../kernel/money';\nexport const f = fen(1);\n" },
  domainRuntime: { path: 'cloudfunctions/shared/billing/domain/demo.ts', code: "import { now } from '../../runtime/clock';\nexport const n = now;\n" },
  domainOwnContract: { path: 'cloudfunctions/shared/students/domain/demo.ts', code: "import { AUTH_ERRORS } from '../contract';\nexport const e = AUTH_ERRORS;\n" },
  domainOtherFeature: { path: 'cloudfunctions/shared/receipts/domain/demo.ts', code: "import type { OrderDoc } from '../../billing/domain/records';\nexport type O = OrderDoc;\n" },
  featureDeepImport: { path: 'cloudfunctions/shared/receipts/demo.ts', code: "import type { OrderDoc } from '../billing/domain/records';\nexport type O = OrderDoc;\n" },
  featureThroughIndex: { path: 'cloudfunctions/shared/receipts/demo.ts', code: "import type { OrderDoc } from '../billing';\nexport type O = OrderDoc;\n" },
  runtimeUsesFeature: { path: 'cloudfunctions/shared/runtime/demo.ts', code: "import { payHandlers } from '../billing';\nexport const h = payHandlers;\n" },
  kernelUsesRuntime: { path: 'cloudfunctions/shared/kernel/demo.ts', code: "import { now } from '../runtime/clock';\nexport const n = now;\n" },
  contractValueFromDomain: { path: 'cloudfunctions/shared/billing/contract.ts', code: "import { fen } from './domain/records';\nexport const f = fen;\n" },
  contractTypeFromDomain: { path: 'cloudfunctions/shared/billing/contract.ts', code: "import type { OrderDoc } from './domain/records';\nexport type O = OrderDoc;\n" },
  contractUsesRuntime: { path: 'cloudfunctions/shared/billing/contract.ts', code: "import { now } from '../runtime/clock';\nexport const n = now;\n" },
  foreignWriteInTransaction: {
    path: 'cloudfunctions/shared/receipts/demo.ts',
    code: "import type { Transaction } from '../runtime';\nexport const f = (tx: Transaction): Promise<void> => tx.update('orders', 'o1', { receiptState: 'ISSUED' });\n",
  },
  foreignCollection: {
    path: 'cloudfunctions/shared/billing/demo.ts',
    code: "import { collection, type Database } from '../runtime';\nexport const f = (db: Database) => collection(db, 'students').updateById('s1', { email: null });\n",
  },
  // Inside billing only its store writes bills, orders, payments, refunds and the callback log.
  ownCollectionInStore: {
    path: 'cloudfunctions/shared/billing/store/demo.ts',
    code: "import type { Transaction } from '../../runtime';\nexport const f = (tx: Transaction): Promise<void> => tx.update('orders', 'o1', { receiptState: 'ISSUED' });\n",
  },
  ownCollectionOutsideStore: {
    path: 'cloudfunctions/shared/billing/demo.ts',
    code: "import type { Transaction } from '../runtime';\nexport const f = (tx: Transaction): Promise<void> => tx.update('orders', 'o1', { receiptState: 'ISSUED' });\n",
  },
  storeHandleOutsideStore: {
    path: 'cloudfunctions/shared/billing/demo.ts',
    code: "import { collection, type Database } from '../runtime';\nexport const f = (db: Database) => collection(db, 'refunds').findById('RF1');\n",
  },
  handleWriteOutsideStore: {
    path: 'cloudfunctions/shared/billing/demo.ts',
    code: "declare const pc: { notifications: { insert(d: object): Promise<string> } };\nexport const f = () => pc.notifications.insert({ note: 'x' });\n",
  },
  storeOperationOutsideStore: {
    path: 'cloudfunctions/shared/billing/demo.ts',
    code: "import type { PaymentContext } from './context';\nexport const f = (pc: PaymentContext) => pc.store.releaseBills('o1', pc.now());\n",
  },
  readOnlyHandleOutsideStore: {
    path: 'cloudfunctions/shared/billing/demo.ts',
    code: "import { billingReads } from './store';\nimport type { Database } from '../runtime';\nexport const f = (db: Database) => billingReads(db).orders.findById('o1');\n",
  },
  // The store itself writes statuses only through the transition table, and nextCheckAt only through nextCheck.
  statusWrittenByHand: {
    path: 'cloudfunctions/shared/billing/store/demo.ts',
    code: "import { collection, type Database } from '../../runtime';\nexport const f = (db: Database) => { const orders = collection(db, 'orders'); return orders.updateWhere({ _id: 'o1', status: 'PENDING' }, { status: 'CLOSED' }); };\n",
  },
  statusWrittenByHandOnHandle: {
    path: 'cloudfunctions/shared/billing/store/demo.ts',
    code: "declare const pc: { refunds: { updateWhere(q: object, p: object): Promise<number> } };\nexport const f = () => pc.refunds.updateWhere({ _id: 'RF1', status: 'SUBMITTED' }, { status: 'SUCCESS' });\n",
  },
  statusWrittenByHandInTransaction: {
    path: 'cloudfunctions/shared/billing/store/demo.ts',
    code: "import type { Transaction } from '../../runtime';\nexport const f = (tx: Transaction): Promise<void> => tx.update('bills', 'b1', { status: 'PAID' });\n",
  },
  statusGuardOnly: {
    path: 'cloudfunctions/shared/billing/store/demo.ts',
    code: "import { collection, type Database } from '../../runtime';\nexport const f = (db: Database) => { const orders = collection(db, 'orders'); return orders.updateWhere({ _id: 'o1', status: 'REFUNDING' }, { checkAttempts: 0 }); };\n",
  },
  statusThroughTable: {
    path: 'cloudfunctions/shared/billing/store/demo.ts',
    code: "import { collection, type Database } from '../../runtime';\nimport { orderStatusChange } from '../domain/billing';\nconst close = orderStatusChange('PENDING', 'CLOSED');\nexport const f = (db: Database) => { const orders = collection(db, 'orders'); return orders.updateWhere({ _id: 'o1', ...close.where }, { ...close.set }); };\n",
  },
  nextCheckByHand: {
    path: 'cloudfunctions/shared/billing/store/demo.ts',
    code: "import { collection, type Database } from '../../runtime';\nexport const f = (db: Database, at: Date) => collection(db, 'orders').updateWhere({ _id: 'o1' }, { nextCheckAt: new Date(at.getTime() + 60_000) });\n",
  },
  nextCheckNullByHand: {
    path: 'cloudfunctions/shared/billing/store/demo.ts',
    code: "import { collection, type Database } from '../../runtime';\nexport const f = (db: Database) => collection(db, 'refunds').updateWhere({ _id: 'RF1' }, { nextCheckAt: null });\n",
  },
  nextCheckDecided: {
    path: 'cloudfunctions/shared/billing/store/demo.ts',
    code: "import { collection, type Database } from '../../runtime';\nimport { nextCheck } from '../domain/billing';\nexport const f = (db: Database, at: Date) => collection(db, 'orders').updateWhere({ _id: 'o1' }, { nextCheckAt: nextCheck.afterPaySheet(at) });\n",
  },
  handlerClock: { path: 'cloudfunctions/shared/billing/demo.ts', code: 'export const t = (): Date => new Date();\n' },
  consoleStoreValueImport: {
    path: 'admin/src/pages/demo/index.ts',
    code: "import { billingReads } from '../../../../cloudfunctions/shared/billing/store';\nexport const r = billingReads;\n",
  },
  consoleRuntimeValueImport: {
    path: 'admin/src/pages/demo/index.ts',
    code: "import { collection } from '../../../../cloudfunctions/shared/runtime';\nexport const c = collection;\n",
  },
  consoleOtherKernelValueImport: {
    path: 'admin/src/pages/demo/index.ts',
    code: "import { chinaWallClock } from '../../../../cloudfunctions/shared/kernel/china-time';\nexport const c = chinaWallClock;\n",
  },
  consoleContractTableValueImport: {
    path: 'admin/src/pages/demo/index.ts',
    code: "import { CONTRACTS } from '../../../../cloudfunctions/shared/contracts';\nexport const c = CONTRACTS;\n",
  },
  consoleContractValueImport: {
    path: 'admin/src/pages/demo/index.ts',
    code: "import { ROLE_LABELS } from '../../../../cloudfunctions/shared/staff/contract';\nexport const r = ROLE_LABELS;\n",
  },
  consoleKernelValueImport: {
    path: 'admin/src/pages/demo/index.ts',
    code: "import { REASON_MIN_LENGTH } from '../../../../cloudfunctions/shared/kernel/validate';\nimport { parseYuan } from '../../../../cloudfunctions/shared/kernel/money';\nexport const r = [REASON_MIN_LENGTH, parseYuan];\n",
  },
  consoleStoreTypeImport: {
    path: 'admin/src/pages/demo/index.ts',
    code: "import type { BillingReads } from '../../../../cloudfunctions/shared/billing/store';\nexport type R = BillingReads;\n",
  },
  consoleTypeImport: {
    path: 'admin/src/pages/demo/index.ts',
    code: "import type { StaffRole } from '../../../../cloudfunctions/shared/contracts';\nexport type R = StaffRole;\n",
  },
  consolePageFetch: { path: 'admin/src/pages/demo/index.ts', code: "export const go = (): Promise<Response> => fetch('/admin/api/me');\n" },
  consoleApiFetch: { path: 'admin/src/api/demo.ts', code: "export const go = (): Promise<Response> => fetch('/admin/api/me');\n" },
  consoleComponentStoreValueImport: {
    path: 'admin/src/pages/demo/index.vue',
    code: '<template><p>{{ r }}</p></template>\n<script setup lang="ts">\nimport { billingReads } from \'../../../../cloudfunctions/shared/billing/store\';\nconst r = billingReads;\n</script>\n',
  },
  consoleComponentFetch: {
    path: 'admin/src/pages/demo/index.vue',
    code: '<template><button @click="go">go</button></template>\n<script setup lang="ts">\nconst go = (): Promise<Response> => fetch(\'/admin/api/me\');\n</script>\n',
  },
  consoleComponentContractValueImport: {
    path: 'admin/src/pages/demo/index.vue',
    code: '<template><p>{{ r }}</p></template>\n<script setup lang="ts">\nimport { ROLE_LABELS } from \'../../../../cloudfunctions/shared/staff/contract\';\nconst r = ROLE_LABELS;\n</script>\n',
  },
  staffWrittenOutsideStaff: {
    path: 'cloudfunctions/shared/imports/demo.ts',
    code: "import { collection, type Database } from '../runtime';\nexport const f = (db: Database) => collection(db, 'staff').updateById('o1', { active: false });\n",
  },
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
  it('the finance console imports values only from the contracts and the pure kernel, types from the rest, and only its API layer calls the back end', () => {
    for (const name of ['consoleStoreValueImport', 'consoleRuntimeValueImport', 'consoleOtherKernelValueImport', 'consoleContractTableValueImport']) {
      expect(violations(name)).toContain('@typescript-eslint/no-restricted-imports');
    }
    expect(violations('consoleContractValueImport')).toEqual([]);
    expect(violations('consoleKernelValueImport')).toEqual([]);
    expect(violations('consoleStoreTypeImport')).toEqual([]);
    expect(violations('consoleTypeImport')).toEqual([]);
    expect(violations('consolePageFetch')).toContain('no-restricted-globals');
    expect(violations('consoleApiFetch')).toEqual([]);
  });

  it('the same rules hold in the console\'s single-file components', () => {
    expect(violations('consoleComponentStoreValueImport')).toContain('@typescript-eslint/no-restricted-imports');
    expect(violations('consoleComponentFetch')).toContain('no-restricted-globals');
    expect(violations('consoleComponentContractValueImport')).toEqual([]);
  });

  it('staff records are written only by the staff feature', () => {
    expect(violations('staffWrittenOutsideStaff')).toContain('no-restricted-syntax');
  });

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

  it('a function folder is only its entry, which reaches a feature through its index', () => {
    expect(violations('entryDeepImport')).toContain('@typescript-eslint/no-restricted-imports');
    expect(violations('entryThroughIndex')).toEqual([]);
    expect(violations('codeInFunctionFolder')).toContain('no-restricted-syntax');
  });

  it('domain code imports only the kernel: no platform, no runtime, no contract, no other feature, and reads no clock', () => {
    expect(violations('domainPlatform')).toContain('@typescript-eslint/no-restricted-imports');
    expect(violations('domainRuntime')).toContain('@typescript-eslint/no-restricted-imports');
    expect(violations('domainOwnContract')).toContain('@typescript-eslint/no-restricted-imports');
    expect(violations('domainOtherFeature')).toContain('@typescript-eslint/no-restricted-imports');
    expect(violations('domainClock')).toContain('no-restricted-syntax');
    expect(violations('domainDateFromValue')).toEqual([]);
    expect(violations('domainKernel')).toEqual([]);
  });

  it('features meet only through their index; the runtime and the kernel know no feature', () => {
    expect(violations('featureDeepImport')).toContain('@typescript-eslint/no-restricted-imports');
    expect(violations('featureThroughIndex')).toEqual([]);
    expect(violations('runtimeUsesFeature')).toContain('@typescript-eslint/no-restricted-imports');
    expect(violations('kernelUsesRuntime')).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('a collection is written only by the feature that owns it', () => {
    expect(violations('foreignWriteInTransaction')).toContain('no-restricted-syntax');
    expect(violations('foreignCollection')).toContain('no-restricted-syntax');
    expect(violations('ownCollectionInStore')).toEqual([]);
  });

  it('inside billing, only its store writes bills, orders, payments, refunds and callbacks; the rest calls the store and reads read-only', () => {
    expect(violations('ownCollectionOutsideStore')).toContain('no-restricted-syntax');
    expect(violations('storeHandleOutsideStore')).toContain('no-restricted-syntax');
    expect(violations('handleWriteOutsideStore')).toContain('no-restricted-syntax');
    expect(violations('storeOperationOutsideStore')).toEqual([]);
    expect(violations('readOnlyHandleOutsideStore')).toEqual([]);
  });

  it('order, bill and refund statuses change only through the transition table', () => {
    expect(violations('statusWrittenByHand')).toContain('no-restricted-syntax');
    expect(violations('statusWrittenByHandOnHandle')).toContain('no-restricted-syntax');
    expect(violations('statusWrittenByHandInTransaction')).toContain('no-restricted-syntax');
    expect(violations('statusGuardOnly')).toEqual([]);
    expect(violations('statusThroughTable')).toEqual([]);
  });

  it('when an order is next looked at is decided only by nextCheck', () => {
    expect(violations('nextCheckByHand')).toContain('no-restricted-syntax');
    expect(violations('nextCheckNullByHand')).toContain('no-restricted-syntax');
    expect(violations('nextCheckDecided')).toEqual([]);
  });

  it('a contract imports the kernel and only types of its own domain (the mini program shares it)', () => {
    expect(violations('contractValueFromDomain')).toContain('@typescript-eslint/no-restricted-imports');
    expect(violations('contractTypeFromDomain')).toEqual([]);
    expect(violations('contractUsesRuntime')).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('function code reads time through the context clock', () => {
    expect(violations('handlerClock')).toContain('no-restricted-syntax');
  });
});
