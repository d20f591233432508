// Lint and the project's layer rules. The layer rules are the architecture written as a check:
// breaking one fails `npm test` (tests/unit/layer-rules.test.ts proves each rule bites).
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

const FUNCTIONS = ['auth', 'bills', 'pay', 'payNotify', 'receipts', 'admin', 'cron', 'gateway'];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'miniprogram/miniprogram_npm/**',
      'cloudfunctions/*/index.js',
      'coverage/**',
      '.local-cloud/**',
      'tests/pages/fixtures/**',
    ],
  },
  ...tseslint.configs.recommended,
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
    // Functions never import each other: shared code lives in cloudfunctions/shared.
    files: FUNCTIONS.map((fn) => `cloudfunctions/${fn}/**/*.ts`),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: `^\\.\\./(${FUNCTIONS.join('|')})(/|$)`, message: '云函数之间不能互相导入；共用代码放在 cloudfunctions/shared。' },
            { group: ['**/local/**', '**/tests/**', '**/miniprogram/**'], message: '云函数不能引用本地云、测试或小程序代码。' },
          ],
        },
      ],
    },
  },
  {
    files: ['cloudfunctions/**/*.ts'],
    ignores: ['cloudfunctions/shared/runtime/**', 'cloudfunctions/shared/security/**', 'cloudfunctions/shared/domain/**', ...FUNCTIONS.map((fn) => `cloudfunctions/${fn}/index.ts`)],
    rules: {
      'no-restricted-syntax': ['error', ...CLOCK_READS],
    },
  },
  {
    // Domain code is pure: no platform, no runtime, no I/O; clock and ids are passed in.
    files: ['cloudfunctions/shared/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['wx-server-sdk', '**/runtime', '**/runtime/**', '**/security/**', '**/local/**'], message: '领域代码不能依赖平台或运行时。' },
            { group: ['node:fs', 'node:http', 'node:https', 'node:net', 'node:child_process', 'fs', 'http', 'https', 'net', 'child_process'], message: '领域代码不做 I/O。' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...CLOCK_READS,
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: '领域代码不生成随机数：把 id 作为参数传入。' },
      ],
    },
  },
  {
    // Contracts are shared with the mini program: pure types and schemas only.
    files: ['cloudfunctions/shared/contracts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./', message: '契约只能引用契约目录内的文件。' }, { group: ['wx-server-sdk'], message: '契约不能依赖平台。' }] },
      ],
    },
  },
);
