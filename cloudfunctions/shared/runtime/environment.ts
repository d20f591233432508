/**
 * Every environment variable a cloud function reads (云开发控制台 → 云函数 → 函数配置 → 环境变量),
 * declared once. Three readers use this table and nothing else:
 * - each function at start-up (`requireDeclaredEnvironment`, first lines of its index.ts): in
 *   production a missing or unsafe variable stops the function there, naming the variable;
 * - `npm run deploy`, which sets these variables on the functions that declare them and lists,
 *   by function, what is missing before anything is sent;
 * - the local cloud, which sets the development defaults below when it starts.
 *
 * Adding a variable is one line in ENVIRONMENT_VARIABLES.
 *
 * Production vs local: a function runs in production when the platform set TENCENTCLOUD_RUNENV
 * ('SCF' on Cloud Development; 'WX_LOCAL_SCF' when WeChat DevTools runs it on a developer's machine
 * against the real environment). The platform reserves the TENCENTCLOUD_ prefix, so no console
 * setting can add or remove it; the local cloud and the tests never set it.
 *
 * Development defaults are published in this repository, so production refuses them by value:
 * anyone can read them here.
 */

type Env = Readonly<Record<string, string | undefined>>;

export interface VariableSpec {
  readonly name: string;
  /** The functions that read it; each gets the same value. */
  readonly functions: readonly string[];
  /** Required: production refuses to start without it. */
  readonly required: boolean;
  /** Secret: never printed, not even by the deploy plan; production also refuses weak values. */
  readonly secret: boolean;
  /** Shorter than this counts as not set (secrets). */
  readonly minLength?: number;
  /** The local cloud's value. Production refuses a value that contains it. */
  readonly developmentDefault?: string;
  /** For tests only: production refuses to start while it is set. */
  readonly developmentOnly?: boolean;
  /** What it is for, shown by the deploy plan. */
  readonly description: string;
}

const PAY_FUNCTIONS = ['pay', 'payNotify', 'paymentsSweep'];

export const ENVIRONMENT_VARIABLES = [
  // admin hashes ID numbers and phones when the office imports the roster, searches by 证件号 or issues an activation code.
  { name: 'IDENTITY_HMAC_KEY', functions: ['auth', 'admin'], required: true, secret: true, minLength: 32, developmentDefault: 'local-cloud-identity-hmac-key--for-development-only--not-for-production', description: '证件号、手机号查找用的 HMAC 密钥；各函数必须相同，丢失或更换后已存的哈希全部失效，请离线备份' },
  { name: 'DESKTOP_LINK_SECRET', functions: ['auth'], required: false, secret: true, minLength: 32, developmentDefault: 'local-cloud-desktop-link-secret--for-development-only--not-for-production', description: '学习平台人脸核验后登录二维码（一次性签名链接）的 HMAC-SHA256 密钥，与学习平台共用，至少 32 个随机字符；不设则不接受这种二维码' },
  { name: 'DESKTOP_LINK_KEY_ID', functions: ['auth'], required: false, secret: false, description: '当前学习平台链接密钥的编号（默认 k1，即链接中的 k），轮换时换一个' },
  { name: 'DESKTOP_LINK_SECRET_PREVIOUS', functions: ['auth'], required: false, secret: true, description: '轮换下来仍接受的学习平台链接旧密钥，`旧编号:旧密钥`，多个用逗号分隔；从这里删除即停用' },
  { name: 'PASSWORD_SCRYPT_LOG_N', functions: ['auth'], required: false, secret: false, developmentOnly: true, description: '仅供测试降低 scrypt 成本；生产环境不要设置（默认 17）' },
  // admin submits the refunds a 审核 approves.
  { name: 'PAY_SUB_MCH_ID', functions: [...PAY_FUNCTIONS, 'admin'], required: true, secret: false, description: '云支付绑定的微信支付子商户号' },
  { name: 'PAY_SUCCESS_TEMPLATE_ID', functions: [...PAY_FUNCTIONS, 'admin'], required: false, secret: false, description: '“缴费成功”订阅消息模板 ID，须与 miniprogram/config/index.ts 的 paySuccessTemplateId 一致；不设则不发' },
  // Read where a refund can end: the refund callback, the timer, a 审核's approval or 重新对账, a second payment's refund.
  { name: 'REFUND_RESULT_TEMPLATE_ID', functions: [...PAY_FUNCTIONS, 'admin'], required: false, secret: false, description: '“退款结果”订阅消息模板 ID（字段 thing1 缴费项目、amount2 退款金额、phrase3 退款状态、time4 退款时间、thing5 温馨提示），须与 miniprogram/config/index.ts 的 refundResultTemplateId 一致；不设则不发' },
  { name: 'DEADLINE_REMINDER_TEMPLATE_ID', functions: ['bills', 'admin'], required: false, secret: false, description: '“缴费提醒”订阅消息模板 ID（字段 thing1 缴费项目、amount2 缴费金额、date3 截止日期、thing4 温馨提示），须与 miniprogram/config/index.ts 的 deadlineReminderTemplateId 一致；不设则不发提醒' },
  { name: 'DEADLINE_REMINDER_DAYS', functions: ['bills', 'admin'], required: false, secret: false, description: '截止日期前几天发缴费提醒（默认 3，1–14）' },
  { name: 'PAY_RECEIPT_WAIT_MS', functions: PAY_FUNCTIONS, required: false, secret: false, description: '支付完成后等待开票的毫秒数（默认 3000），超时由 receipts 定时任务补开' },
  { name: 'INTERNAL_CALL_SECRET', functions: [...PAY_FUNCTIONS, 'admin', 'receipts'], required: true, secret: true, minLength: 32, developmentDefault: 'local-cloud-internal-call-secret--for-development-only--not-for-production', description: '云函数之间调用（pay、payNotify、paymentsSweep、admin → receipts）的签名密钥；各函数必须相同，至少 32 个随机字符' },
  { name: 'RECEIPT_CHECK_SECRET', functions: ['receipts'], required: true, secret: true, minLength: 16, developmentDefault: 'local-cloud-receipt-check-secret-not-for-production', description: '票据校验码的密钥' },
  { name: 'RECEIPT_CHECK_KEY_ID', functions: ['receipts'], required: false, secret: false, description: '当前校验码密钥的编号（默认 k1），轮换时换一个' },
  { name: 'RECEIPT_CHECK_SECRET_PREVIOUS', functions: ['receipts'], required: false, secret: true, description: '轮换下来的旧密钥，`旧ID:旧密钥`，多个用逗号分隔；旧票据仍可查验' },
  { name: 'RECEIPT_TITLE', functions: ['receipts'], required: false, secret: false, description: '票据抬头' },
  { name: 'RECEIPT_CODE', functions: ['receipts'], required: false, secret: false, description: '8 位票据代码' },
  { name: 'RECEIPT_PAYEE_UNIT', functions: ['receipts'], required: false, secret: false, description: '收款单位' },
  { name: 'RECEIPT_REVIEWER', functions: ['receipts'], required: false, secret: false, description: '复核人' },
  { name: 'RECEIPT_PAYEE', functions: ['receipts'], required: false, secret: false, description: '收款人' },
  { name: 'RECEIPT_WATERMARK', functions: ['receipts'], required: false, secret: false, description: '水印文字；生产环境留空（本地云为“样张”）' },
  { name: 'RECEIPT_VERIFY_URL', functions: ['receipts'], required: false, secret: false, description: '票据二维码的 https 查验地址前缀' },
  { name: 'RECEIPT_VERIFY_APPID', functions: ['receipts'], required: false, secret: false, description: '无查验地址时二维码用明文 Scheme 打开的小程序 AppID' },
  { name: 'RECEIPT_CONTACT', functions: ['receipts'], required: false, secret: false, description: '票据邮件末尾的联系方式' },
  { name: 'RECEIPT_AUTO_EMAIL', functions: ['receipts'], required: false, secret: false, description: '开票后是否自动发邮件（默认 true）' },
  { name: 'RECEIPT_FONT_FILE', functions: ['receipts'], required: false, secret: false, description: '票据字体文件路径，多个用 : 分隔、按顺序逐字回退；部署的函数用随代码上传的 fonts/，不必设置' },
  { name: 'SMTP_HOST', functions: ['receipts'], required: false, secret: false, description: '发送票据邮件的 SMTP 服务器；不设则不发邮件' },
  { name: 'SMTP_PORT', functions: ['receipts'], required: false, secret: false, description: 'SMTP 端口（默认 SMTP_SECURE 时 465，否则 587）' },
  { name: 'SMTP_SECURE', functions: ['receipts'], required: false, secret: false, description: 'true：从第一个字节起 TLS（端口 465）' },
  { name: 'SMTP_USER', functions: ['receipts'], required: false, secret: false, description: 'SMTP 用户名' },
  { name: 'SMTP_PASS', functions: ['receipts'], required: false, secret: true, description: 'SMTP 密码或授权码' },
  { name: 'SMTP_FROM', functions: ['receipts'], required: false, secret: false, description: '发件人，如 智慧缴费 <noreply@example.edu.cn>（默认 SMTP_USER）' },
  { name: 'ADMIN_ALLOWED_ORIGINS', functions: ['admin'], required: true, secret: false, description: '财务管理后台网页的来源（如 https://pay-admin.example.edu.cn），多个用逗号分隔；其他来源的请求一律拒绝' },
  { name: 'ADMIN_BOOTSTRAP_CODE', functions: ['admin'], required: false, secret: true, minLength: 12, developmentDefault: 'local-first-admin-setup-code--not-for-production', description: '首位管理员设置码：只在还没有在职管理员时可用；设好管理员后可删除' },
  { name: 'ADMIN_CODE_ENV_VERSION', functions: ['admin'], required: false, secret: false, description: '后台小程序码打开的小程序版本：release（默认）、trial 或 develop' },
  { name: 'SMTP_TLS_REJECT_UNAUTHORIZED', functions: ['receipts'], required: false, secret: false, description: 'false 仅用于自签证书的测试服务器' },
] as const satisfies readonly VariableSpec[];

type DeclaredVariable = (typeof ENVIRONMENT_VARIABLES)[number];
export type VariableName = DeclaredVariable['name'];

/** One declaration, typed exactly (e.g. its minLength), for the code that reads the variable. */
export function variableSpec<N extends VariableName>(name: N): Extract<DeclaredVariable, { name: N }> {
  return ENVIRONMENT_VARIABLES.find((spec): spec is Extract<DeclaredVariable, { name: N }> => spec.name === name)!;
}

export function variablesOf(functionName: string): VariableSpec[] {
  return ENVIRONMENT_VARIABLES.filter((spec) => (spec.functions as readonly string[]).includes(functionName));
}

/** The development defaults, by variable: what the local cloud sets and production refuses. */
export const DEVELOPMENT_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  ENVIRONMENT_VARIABLES.flatMap((spec: VariableSpec) => (spec.developmentDefault ? [[spec.name, spec.developmentDefault]] : [])),
);

/** See the file comment: set by the platform only. */
export const PLATFORM_RUNTIME_VARIABLE = 'TENCENTCLOUD_RUNENV';

export function isProductionRuntime(env: Env = process.env): boolean {
  return Boolean(env[PLATFORM_RUNTIME_VARIABLE]);
}

/** A secret made of fewer different characters than this is a placeholder, not a key. */
export const MIN_DISTINCT_CHARACTERS = 8;

export type VariableProblem = 'missing' | 'too-short' | 'too-few-characters' | 'development-default' | 'development-only';

export const PROBLEM_TEXT: Readonly<Record<VariableProblem, string>> = {
  missing: '未设置',
  'too-short': '太短',
  'too-few-characters': '字符种类太少，不像随机密钥',
  'development-default': '是仓库里公开的开发用默认值',
  'development-only': '仅供测试，生产环境不要设置',
};

/**
 * What is wrong with one variable's value, or null. `production` adds the rules that only bite
 * where it matters (the tests use short-lived keys like 'x' × 32): published development defaults,
 * placeholder-like secrets, test-only settings.
 */
export function variableProblem(spec: VariableSpec, value: string | undefined, production: boolean): VariableProblem | null {
  const text = value?.trim() ?? '';
  if (text === '') return spec.required ? 'missing' : null;
  if (spec.minLength !== undefined && text.length < spec.minLength) return 'too-short';
  if (!production) return null;
  if (spec.developmentOnly) return 'development-only';
  if (!spec.secret) return null;
  if (Object.values(DEVELOPMENT_DEFAULTS).some((published) => text.includes(published))) return 'development-default';
  if (spec.minLength !== undefined && new Set(text).size < MIN_DISTINCT_CHARACTERS) return 'too-few-characters';
  return null;
}

export interface FoundProblem {
  readonly variable: string;
  readonly problem: VariableProblem;
}

export function environmentProblems(functionName: string, env: Env, production: boolean): FoundProblem[] {
  return variablesOf(functionName).flatMap((spec) => {
    const problem = variableProblem(spec, env[spec.name], production);
    return problem ? [{ variable: spec.name, problem }] : [];
  });
}

/** The variable names and what is wrong, in one Chinese line; never a value. */
export function describeProblems(problems: readonly FoundProblem[]): string {
  return problems.map(({ variable, problem }) => `${variable} ${PROBLEM_TEXT[problem]}`).join('；');
}

export class EnvironmentNotReadyError extends Error {
  constructor(
    readonly functionName: string,
    readonly problems: readonly FoundProblem[],
  ) {
    super(
      `云函数 ${functionName} 拒绝在生产环境启动：${describeProblems(problems)}。` +
        `请运行 npm run deploy（或在云开发控制台 → 云函数 → ${functionName} → 环境变量）设置后重试`,
    );
    this.name = 'EnvironmentNotReadyError';
  }
}

/**
 * Called once when a function's code loads. In production, a problem with any variable the
 * function declares stops it here: every call fails loudly in the logs instead of a payment
 * hashing with an empty key or a receipt signed with a published one. Locally it does nothing.
 */
export function requireDeclaredEnvironment(functionName: string, env: Env = process.env): void {
  if (!isProductionRuntime(env)) return;
  const problems = environmentProblems(functionName, env, true);
  if (problems.length > 0) throw new EnvironmentNotReadyError(functionName, problems);
}
