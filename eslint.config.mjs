// Lint and the project's layer rules. The layer rules are the architecture written as a check:
// breaking one fails `npm test` (tests/unit/layer-rules.test.ts proves each rule bites).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

const BACKEND_CALLS = [
  { selector: "MemberExpression[object.name='wx'][property.name='cloud']", message: '只有 miniprogram/services/ 可以调用云开发（wx.cloud）。' },
  { selector: "MemberExpression[object.name='wx'][property.name='requestPayment']", message: '只有 miniprogram/services/ 可以发起支付（wx.requestPayment）。' },
  { selector: "MemberExpression[object.name='wx'][property.name='request']", message: '只有 miniprogram/services/ 可以访问后端（wx.request）。' },
];

const CLOCK_READS = [
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: '用 ctx.now()：本地云与测试需要控制时间。' },
  { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: '用 ctx.now()：本地云与测试需要控制时间。' },
];

const FUNCTIONS = ['auth', 'bills', 'pay', 'payNotify', 'receipts', 'admin', 'paymentsSweep'];

// The features of cloudfunctions/shared: every folder but the kernel and the runtime.
const SHARED = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cloudfunctions', 'shared');
const FEATURES = readdirSync(SHARED, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !['kernel', 'runtime'].includes(entry.name))
  .map((entry) => entry.name);

/**
 * Each collection has one writer: the feature that owns it. Others ask it through its index (e.g.
 * receipts marks an order through billing's receiptMarks, billing remembers an email through
 * students' rememberEmail). The runtime's own (auditLog, rateCounters, staff) are written through
 * the runtime.
 */
const COLLECTION_OWNERS = {
  students: ['students', 'sessions', 'pendingSignIns', 'loginAttempts', 'phoneCodes', 'firstSignInClaims', 'desktopLinkNonces'],
  billing: ['bills', 'feeItems', 'orders', 'payments', 'refunds', 'notifications', 'subscribeMessages', 'reviewCases', 'reconciliations'],
  receipts: ['receipts', 'messages', 'counters', 'sweepCursors'],
  staff: ['staff', 'consoleSignIns', 'staffInvitations'],
  imports: ['importBatches'],
  reminders: ['reminderConsents', 'deadlineReminders'],
};

/** Writing (or holding a collection handle of) another feature's collections. */
function foreignWrites(feature) {
  const foreign = Object.entries(COLLECTION_OWNERS)
    .filter(([owner]) => owner !== feature)
    .flatMap(([, names]) => names);
  if (foreign.length === 0) return [];
  const names = `/^(${foreign.join('|')})$/`;
  const message = '每个集合只由拥有它的功能写入；经该功能的 index 使用（如 billing 的 receiptMarks、students 的 rememberEmail）。';
  return [
    { selector: `CallExpression[callee.name='collection'][arguments.1.value=${names}]`, message },
    { selector: `CallExpression[callee.property.name=/^(update|set|insert|remove)$/][arguments.0.value=${names}]`, message },
  ];
}

/** Order, bill and refund statuses change only through the billing domain's transition table. */
const STATUS_WRITES = [
  {
    selector:
      "CallExpression[callee.property.name=/^(updateWhere|updateById)$/]:matches([callee.object.property.name=/^(orders|bills|refunds|reviewCases)$/], [callee.object.name=/^(orders|bills|refunds|reviewCases)$/]) > ObjectExpression:nth-child(2) > Property[key.name='status']",
    message: '订单、账单、退款与待核实事项的状态只经 orderStatusChange / billStatusChange / refundStatusChange / reviewCaseStatusChange（状态变更表）写入。',
  },
  {
    selector: "CallExpression[callee.property.name=/^(update|set|insert)$/][arguments.0.value=/^(orders|bills|refunds|reviewCases)$/] > ObjectExpression > Property[key.name='status']",
    message: '订单、账单、退款与待核实事项的状态只经 orderStatusChange / billStatusChange / refundStatusChange / reviewCaseStatusChange（状态变更表）写入。',
  },
];

/**
 * Inside billing, its payment records are written only by its store (billing/store/): the rest of
 * billing calls the store's named operations (markPaid, releaseBills, recordCallback…) and reads
 * through the read-only handles the store hands out, so it holds no handle that could write.
 */
const BILLING_STORE_COLLECTIONS = ['bills', 'orders', 'payments', 'refunds', 'notifications', 'reviewCases', 'reconciliations'];
const STORE_ONLY_WRITES = (() => {
  const names = `/^(${BILLING_STORE_COLLECTIONS.join('|')})$/`;
  const message = '账单、订单、支付、退款、回调记录、待核实事项与对账记录只由 billing/store/ 写入：调用 store 的操作，读取用 billingReads 的只读句柄。';
  return [
    { selector: `CallExpression[callee.name='collection'][arguments.1.value=${names}]`, message },
    { selector: `CallExpression[callee.property.name='collection'][arguments.0.value=${names}]`, message },
    { selector: `CallExpression[callee.property.name=/^(update|set|insert|remove)$/][arguments.0.value=${names}]`, message },
    {
      selector: `CallExpression[callee.property.name=/^(insert|insertMany|setById|updateById|updateWhere|removeById|removeWhere)$/]:matches([callee.object.name=${names}], [callee.object.property.name=${names}])`,
      message,
    },
  ];
})();

/** When an order is next looked at is decided in one place: the billing domain's nextCheck. */
const NEXT_CHECK_WRITES = [
  {
    selector: "Property[key.name='nextCheckAt'][value.type=/^(Literal|NewExpression|BinaryExpression|CallExpression)$/]:not([value.callee.object.name=/^(nextCheck|_)$/])",
    message: 'nextCheckAt 只由 nextCheck（billing/domain）决定。',
  },
];

const NODE_IO = ['node:fs', 'node:http', 'node:https', 'node:net', 'node:child_process', 'fs', 'http', 'https', 'net', 'child_process'];

/** Pure code: no clock, no randomness; both are passed in. */
const PURE_CODE = [
  ...CLOCK_READS,
  { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: '纯代码不生成随机数：把 id 作为参数传入。' },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'miniprogram/miniprogram_npm/**',
      'cloudfunctions/*/index.js',
      'coverage/**',
      '.local-cloud/**',
      'tests/pages/fixtures/**',
      'admin/dist/**',
    ],
  },
  ...tseslint.configs.recommended,
  // The console's single-file components: Vue's correctness rules, and their <script lang="ts">
  // read by the TypeScript parser, so every rule below (the layer rules too) applies to them.
  ...pluginVue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
    // A page is its folder's index.vue (one folder per page), reached by the router, never used as a tag.
    rules: { 'vue/multi-word-component-names': ['error', { ignores: ['index'] }] },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The finance console: values only from what is pure and shared with it by design (each
    // feature's contract and the kernel's contract, validator and money), so a fact the server
    // states is not copied into the browser; types only from the rest of the back end; and only
    // its API layer talks to the back end.
    files: ['admin/src/**/*.{ts,vue}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `cloudfunctions/(?!shared/(?:(?:${FEATURES.join('|')})/contract|kernel/(?:contract|validate|money))(?:\\.ts)?$)`,
              allowTypeImports: true,
              message: '财务管理后台只从各功能的 contract 与内核的 contract、validate、money 导入值；其余云端代码只能导入类型（import type）。',
            },
            { group: ['**/local/**', 'wx-server-sdk'], message: '财务管理后台不能引用云端或本地云代码。' },
          ],
        },
      ],
    },
  },
  {
    files: ['admin/src/**/*.{ts,vue}'],
    ignores: ['admin/src/api/**', 'admin/src/config/**'],
    rules: { 'no-restricted-globals': ['error', { name: 'fetch', message: '只有 admin/src/api/ 可以访问后端。' }] },
  },
  {
    // Pages and components: no back-end calls, and only types from the shared contract.
    files: ['miniprogram/**/*.ts'],
    ignores: ['miniprogram/services/**'],
    rules: {
      'no-restricted-syntax': ['error', ...BACKEND_CALLS],
    },
  },
  {
    files: ['miniprogram/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/cloudfunctions/**'], allowTypeImports: true, message: '小程序只能从共享契约导入类型（import type）。' },
            { group: ['**/local/**', 'wx-server-sdk'], message: '小程序不能引用云端或本地云代码。' },
          ],
        },
      ],
    },
  },
  {
    // Functions never import each other, and a function folder is only its entry: the code lives in
    // cloudfunctions/shared, and the entry reaches a feature only through the feature's index.
    files: FUNCTIONS.map((fn) => `cloudfunctions/${fn}/**/*.ts`),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: `^\\.\\./(${FUNCTIONS.join('|')})(/|$)`, message: '云函数之间不能互相导入；共用代码放在 cloudfunctions/shared。' },
            { regex: `^\\.\\./shared/(${FEATURES.join('|')})/`, message: '云函数入口只通过功能的 index 使用它（../shared/<功能>）。' },
            { group: ['**/local/**', '**/tests/**', '**/miniprogram/**'], message: '云函数不能引用本地云、测试或小程序代码。' },
          ],
        },
      ],
    },
  },
  {
    files: FUNCTIONS.map((fn) => `cloudfunctions/${fn}/**/*.ts`),
    ignores: FUNCTIONS.map((fn) => `cloudfunctions/${fn}/index.ts`),
    rules: {
      'no-restricted-syntax': ['error', { selector: 'Program', message: '云函数目录只放入口 index.ts；代码放在 cloudfunctions/shared/<功能>/。' }],
    },
  },
  {
    files: ['cloudfunctions/**/*.ts'],
    ignores: ['cloudfunctions/shared/runtime/**', ...FUNCTIONS.map((fn) => `cloudfunctions/${fn}/**`)],
    rules: {
      'no-restricted-syntax': ['error', ...CLOCK_READS],
    },
  },
  {
    // The runtime and the kernel serve every feature and know none.
    files: ['cloudfunctions/shared/runtime/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: `^(\\.\\./)+(${FEATURES.join('|')})(/|$)`, message: '运行时不依赖任何功能。' }] },
      ],
    },
  },
  // Each feature: other features only through their index; its domain only the kernel; its contract
  // only the kernel and (types of) its own domain.
  ...FEATURES.flatMap((feature) => {
    const others = FEATURES.filter((f) => f !== feature);
    const syntax = ['error', ...CLOCK_READS, ...foreignWrites(feature), ...(feature === 'billing' ? [...STATUS_WRITES, ...NEXT_CHECK_WRITES] : [])];
    const domainAndContract = [`cloudfunctions/shared/${feature}/domain/**`, `cloudfunctions/shared/${feature}/contract.ts`];
    return [
      {
        files: [`cloudfunctions/shared/${feature}/**/*.ts`],
        ignores: domainAndContract,
        rules: {
          'no-restricted-syntax': syntax,
          '@typescript-eslint/no-restricted-imports': [
            'error',
            {
              patterns: [
                ...(others.length > 0 ? [{ regex: `^(\\.\\./)+(${others.join('|')})/`, message: '功能之间只通过对方的 index 相互使用（../<功能>）。' }] : []),
                { group: ['**/local/**', '**/tests/**', '**/miniprogram/**'], message: '云函数代码不能引用本地云、测试或小程序代码。' },
              ],
            },
          ],
        },
      },
      // Billing's store writes its payment records; the rest of billing may not (later entry, so it
      // replaces the list above for those files).
      ...(feature === 'billing'
        ? [{ files: ['cloudfunctions/shared/billing/**/*.ts'], ignores: [...domainAndContract, 'cloudfunctions/shared/billing/store/**'], rules: { 'no-restricted-syntax': [...syntax, ...STORE_ONLY_WRITES] } }]
        : []),
      {
        files: [`cloudfunctions/shared/${feature}/contract.ts`],
        rules: {
          '@typescript-eslint/no-restricted-imports': [
            'error',
            {
              patterns: [
                { regex: '^\\.\\./(?!kernel/)', message: '契约只引用内核（../kernel/）和本功能领域的类型。' },
                { regex: '^\\./(?!domain/)', message: '契约只引用内核（../kernel/）和本功能领域的类型。' },
                { regex: '^\\./domain/', allowTypeImports: true, message: '契约与小程序共用：只从领域导入类型（import type）。' },
                { group: ['wx-server-sdk'], message: '契约不能依赖平台。' },
              ],
            },
          ],
        },
      },
      {
        files: [`cloudfunctions/shared/${feature}/domain/**/*.ts`],
        rules: {
          '@typescript-eslint/no-restricted-imports': [
            'error',
            {
              patterns: [
                { regex: '^\\.\\./(?!\\.\\./kernel/)', message: '领域代码只依赖内核（kernel/）和本领域的文件。' },
                { group: ['wx-server-sdk', '**/local/**'], message: '领域代码不能依赖平台或运行时。' },
                { group: NODE_IO, message: '领域代码不做 I/O。' },
              ],
            },
          ],
          'no-restricted-syntax': ['error', ...PURE_CODE],
        },
      },
    ];
  }),
  {
    // The kernel (money, the validator, email, China time, masking, result): pure, depends on nothing.
    files: ['cloudfunctions/shared/kernel/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./', message: '内核不依赖内核以外的代码。' },
            { group: ['wx-server-sdk'], message: '内核不能依赖平台。' },
            { group: NODE_IO, message: '内核不做 I/O。' },
          ],
        },
      ],
      'no-restricted-syntax': ['error', ...PURE_CODE],
    },
  },
  {
    // The contract table, shared with the mini program: the features' contracts and the kernel only.
    files: ['cloudfunctions/shared/contracts.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: `^\\./(?!kernel/|(${FEATURES.join('|')})/contract$)`, message: '契约总表只汇集各功能的 contract 与内核。' },
            { group: ['wx-server-sdk'], message: '契约不能依赖平台。' },
          ],
        },
      ],
    },
  },
);
