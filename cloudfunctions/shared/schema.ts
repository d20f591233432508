/**
 * Every collection of the cloud database and its indexes. The local cloud creates exactly these;
 * `npm run deploy` creates them in a CloudBase environment (and `--check` reports any that differ).
 * A unique index is what makes a re-import, a repeated callback or a double tap unable to double
 * a record, so each one states the guarantee it carries.
 *
 * `CollectionDocuments` ties each collection to the type of its documents, so that a read or a
 * write names the collection and gets its shape, never a cast between two shapes.
 */
import type { AuditDoc } from './runtime/audit';
import type { RateCounterDoc } from './runtime/rate-limit';
import type { SessionDoc } from './runtime/sessions';
import type { StaffDoc, StaffSessionDoc } from './runtime/staff-sessions';
import type { ConsoleSignInDoc, StaffInvitationDoc } from './staff/store';
import type { ImportBatchDoc } from './imports/store';
import type { BillDoc, NotificationDoc, OrderDoc, PaymentDoc, ReconciliationDoc, RefundDoc, ReviewCaseDoc } from './billing/domain/records';
import type { FeeItemDoc } from './billing/domain/bill-row';
import type { SubscribeMessageDoc } from './billing/after-paid';
import type { ReceiptDoc } from './receipts/domain/receipt';
import type { ReceiptMailDoc } from './receipts/mailing';
import type { ReceiptSweepCursorDoc, SequenceCounterDoc } from './receipts/issuing';
import type { StudentDoc } from './students/domain/student';
import type { AttemptDoc, PendingDoc, UsedPhoneCodeDoc } from './students/store';
import type { ClaimDoc } from './students/setup';
import type { RedeemedNonceDoc } from './students/desktop-link';
import type { DeadlineReminderDoc, ReminderConsentDoc } from './reminders/store';

export interface CollectionDocuments {
  students: StudentDoc;
  sessions: SessionDoc;
  pendingSignIns: PendingDoc;
  loginAttempts: AttemptDoc;
  firstSignInClaims: ClaimDoc;
  phoneCodes: UsedPhoneCodeDoc;
  desktopLinkNonces: RedeemedNonceDoc;
  bills: BillDoc;
  feeItems: FeeItemDoc;
  orders: OrderDoc;
  payments: PaymentDoc;
  refunds: RefundDoc;
  reviewCases: ReviewCaseDoc;
  reconciliations: ReconciliationDoc;
  receipts: ReceiptDoc;
  counters: SequenceCounterDoc;
  sweepCursors: ReceiptSweepCursorDoc;
  rateCounters: RateCounterDoc;
  staff: StaffDoc;
  staffSessions: StaffSessionDoc;
  consoleSignIns: ConsoleSignInDoc;
  staffInvitations: StaffInvitationDoc;
  importBatches: ImportBatchDoc;
  auditLog: AuditDoc;
  notifications: NotificationDoc;
  messages: ReceiptMailDoc;
  subscribeMessages: SubscribeMessageDoc;
  reminderConsents: ReminderConsentDoc;
  deadlineReminders: DeadlineReminderDoc;
}

export interface IndexSpec {
  /** Field names; several fields make a compound index. */
  readonly fields: readonly string[];
  /**
   * The console offers no sparse index: a unique index treats a missing field as null, so a unique
   * field must be present on every document.
   */
  readonly unique?: boolean;
  readonly why: string;
}

export interface CollectionSpec {
  readonly name: string;
  readonly purpose: string;
  readonly indexes: readonly IndexSpec[];
  /** Append-only collections are never updated or removed by application code. */
  readonly appendOnly?: boolean;
}

export const COLLECTIONS = {
  students: {
    name: 'students',
    purpose: '学生：学号、证件号 HMAC 与脱敏形式、姓名、院系班级、手机、邮箱、密码哈希',
    indexes: [
      { fields: ['studentNo'], unique: true, why: '学号唯一' },
      { fields: ['idHash'], unique: true, why: '一个证件号只对应一个学生' },
      { fields: ['phoneHash'], why: '首次登录：同一手机号已登记在其他学生下时拒绝' },
      { fields: ['setupOpenid'], why: '首次登录：同一微信已为其他学生完成首次登录时拒绝' },
    ],
  },
  sessions: {
    name: 'sessions',
    purpose: '登录会话：_id 为 OPENID，指向学生，带过期时间',
    indexes: [{ fields: ['studentId'], why: '按学生结束会话' }],
  },
  pendingSignIns: {
    name: 'pendingSignIns',
    purpose: '未完成的登录步骤（首次登录、新设备验证、忘记密码）：_id 为 OPENID，过期作废，从不代替登录会话',
    indexes: [{ fields: ['studentId'], why: '改密码或重置时结束该学生未完成的步骤' }],
  },
  loginAttempts: {
    name: 'loginAttempts',
    purpose: '登录失败计数（按账号与按 OPENID），用于限速与临时锁定',
    indexes: [{ fields: ['lastFailureAt'], why: '定时清理不再计数的失败记录' }],
  },
  firstSignInClaims: {
    name: 'firstSignInClaims',
    purpose: '首次登录登记的手机号与微信账号（_id 为 phone:<哈希> 或 wechat:<OPENID>），在事务中占用，防止并发冒领',
    indexes: [],
  },
  phoneCodes: {
    name: 'phoneCodes',
    purpose: '已使用的手机号验证凭证，防止重放',
    indexes: [],
  },
  desktopLinkNonces: {
    name: 'desktopLinkNonces',
    purpose: '已使用的学习平台登录二维码（一次性签名链接）的随机数，保留到链接过期一天后，由 auth 定时任务清理',
    indexes: [
      { fields: ['nonce'], unique: true, why: '同一个二维码只能使用一次：并发扫码也只有一次成功' },
      { fields: ['expiresAt'], why: '定时清理已过期链接的记录' },
    ],
  },
  bills: {
    name: 'bills',
    purpose: '账单：学生、学年学期、收费项目、金额（分）、截止日期、状态、当前订单',
    indexes: [
      { fields: ['studentId', 'term', 'itemCode'], unique: true, why: '重复导入不会产生第二张同项账单' },
      { fields: ['studentId', 'status'], why: '按状态列出学生账单' },
      { fields: ['importBatchId'], why: '按导入批次查询' },
      { fields: ['orderId'], why: '订单支付或关闭时，按订单一次改完它占用的账单' },
      { fields: ['term', 'status'], why: '财务后台：按学年学期与状态查账单、统计' },
      { fields: ['studentNo'], why: '财务后台：按学号查账单' },
      { fields: ['term', 'college'], why: '财务后台：按学院统计与催缴' },
    ],
  },
  feeItems: {
    name: 'feeItems',
    purpose: '收费项目表：_id 为项目编码（如 XF 学费），名称、是否必缴、逾期后能否缴费、排序',
    indexes: [],
  },
  orders: {
    name: 'orders',
    purpose: '支付订单：每次支付尝试一个新的商户订单号',
    indexes: [
      { fields: ['outTradeNo'], unique: true, why: '商户订单号唯一' },
      // Not unique: the console offers no sparse index, and a unique one would treat every unpaid
      // order's missing transactionId as the same null. payments/{transactionId} keeps it unique.
      { fields: ['transactionId'], why: '按微信支付单号查订单（一笔交易只记一次由 payments 集合的 _id 保证）' },
      { fields: ['studentId', 'status'], why: '学生的缴费中与已完成列表' },
      { fields: ['status', 'nextCheckAt'], why: '定时任务按到期时间扫描待处理订单' },
      { fields: ['status', 'paidAt'], why: '对账：按支付时间查当日已支付订单' },
    ],
  },
  payments: {
    name: 'payments',
    purpose: '微信支付交易：_id 为微信支付单号（transaction_id），记录它支付的订单；订单变为已支付前先写入',
    indexes: [{ fields: ['orderId'], why: '按订单查交易' }],
  },
  refunds: {
    name: 'refunds',
    purpose: '退款：每笔退款一条（_id 与商户退款单号相同），记录所属订单、金额（分）、所退账单、微信退款状态与是否需人工处理；一个订单可有多笔',
    indexes: [
      { fields: ['outRefundNo'], unique: true, why: '退款不会重复发起' },
      { fields: ['orderId'], why: '按订单查询退款' },
      { fields: ['status'], why: '计划财务处查看需人工退款的记录' },
      { fields: ['status', 'nextCheckAt'], why: '定时任务按到期时间提交与跟进退款' },
      { fields: ['submittedAt'], why: '对账：按提交微信的时间统计当日退款' },
    ],
  },
  reviewCases: {
    name: 'reviewCases',
    purpose:
      '待核实事项：支付与订单不符而搁置的订单、微信未能完成的退款、对账差异，各一条（_id 为 order:<订单号>:<原因>、refund:<商户退款单号>、recon:<账单日>:<单号>；同一差异在事项办结后再次出现时另开 <_id>:2、:3…）；待核实 → 已办结，记录谁以何种方式办结',
    indexes: [
      { fields: ['status', 'openedAt'], why: '财务后台按状态列出待核实事项、概览统计待核实件数' },
      { fields: ['kind', 'status', 'openedAt'], why: '按类别（支付、退款、对账）列出' },
      { fields: ['orderId'], why: '订单详情里列出它的待核实事项' },
    ],
  },
  reconciliations: {
    name: 'reconciliations',
    purpose: '对账：每个账单日一条（_id 为 yyyyMMdd），微信对账单与本系统的笔数和金额、差异及其待核实事项，或尚未对账的原因',
    indexes: [],
  },
  receipts: {
    name: 'receipts',
    purpose: '电子票据：每个已支付订单一张',
    indexes: [
      // One receipt per edition of an order is kept by the _id (the order's id, then -2, -3… after a partial refund).
      { fields: ['orderId'], why: '按订单查票据：部分退款后作废原票据，为仍已缴的部分重开一张' },
      { fields: ['receiptCode', 'receiptNo'], unique: true, why: '票据号码不重复：写入票据即占用它的号码；倒序读取得到最后一个号码' },
      { fields: ['studentId', 'issuedAt'], why: '我的发票按时间列出' },
      { fields: ['status', 'issuedAt'], why: '定时任务补做未生成或未标冲红的票据文件' },
    ],
  },
  counters: {
    name: 'counters',
    purpose: '序号计数器：每个票据代码最后开出的票据号码（只增不减）',
    indexes: [],
  },
  sweepCursors: {
    name: 'sweepCursors',
    purpose: '定时任务的续扫位置（如补开票据从哪个订单继续），使反复失败的记录不挡住其后的记录',
    indexes: [],
  },
  rateCounters: {
    name: 'rateCounters',
    purpose: '频率限制的计数窗口（每个微信账号或每个来源一条）',
    indexes: [],
  },
  staff: {
    name: 'staff',
    purpose: '财务人员：_id 为 OPENID，姓名、角色（管理员、收费员、审核、只读）、是否在职',
    indexes: [{ fields: ['role', 'active'], why: '是否还有在职的管理员（首位管理员的设置码只在没有时可用）' }],
  },
  staffSessions: {
    name: 'staffSessions',
    purpose: '财务管理后台的登录会话：_id 为令牌的 SHA-256（令牌本身不保存），8 小时绝对过期、30 分钟无操作过期',
    indexes: [{ fields: ['staffId'], why: '停用或改角色时结束该人员的所有会话' }],
  },
  consoleSignIns: {
    name: 'consoleSignIns',
    purpose: '后台扫码登录票据：_id 即小程序码的 scene，2 分钟有效，一次性；只有发起登录的浏览器能取回令牌',
    indexes: [{ fields: ['expiresAt'], why: '清理过期票据' }],
  },
  staffInvitations: {
    name: 'staffInvitations',
    purpose: '财务人员邀请：角色、姓名、24 小时有效、只能使用一次',
    indexes: [{ fields: ['createdAt'], why: '管理员查看最近的邀请' }],
  },
  importBatches: {
    name: 'importBatches',
    purpose: '导入批次：谁、何时、哪个文件（名称与 SHA-256）、新增/更新/无变化/有错误的行数，账单批次可整批撤回',
    indexes: [{ fields: ['kind', 'startedAt'], why: '按类型列出最近的导入' }],
  },
  auditLog: {
    name: 'auditLog',
    purpose: '审计日志：谁在何时做了什么（只追加）',
    appendOnly: true,
    indexes: [{ fields: ['at'], why: '按时间查询' }],
  },
  notifications: {
    name: 'notifications',
    purpose: '支付回调原文（只追加）',
    appendOnly: true,
    indexes: [{ fields: ['outTradeNo'], why: '按订单查回调' }],
  },
  messages: {
    name: 'messages',
    purpose: '票据邮件（含待发与重试的邮件、每日发送次数），保证只发一次',
    indexes: [
      { fields: ['key'], unique: true, why: '同一封邮件只发一次；每日发送次数按键占位' },
      { fields: ['status', 'nextAttemptAt'], why: '定时任务发送待发邮件、重试失败的邮件' },
    ],
  },
  subscribeMessages: {
    name: 'subscribeMessages',
    purpose: '缴费成功、退款结果的订阅消息：_id 为事件键，保证同一事件只通知一次',
    indexes: [],
  },
  reminderConsents: {
    name: 'reminderConsents',
    purpose: '缴费提醒：每个微信账号接受订阅的次数（一次性订阅，一次一条）与当时欠费的学期',
    indexes: [
      { fields: ['credits'], why: '定时任务只看还能发提醒的账号' },
      { fields: ['terms'], why: '后台按学期统计申请提醒的学生' },
    ],
  },
  deadlineReminders: {
    name: 'deadlineReminders',
    purpose: '缴费提醒：_id 为 学生:截止日期，同一截止日期只提醒一次；记录发送结果',
    indexes: [
      { fields: ['terms', 'status'], why: '后台按学期统计已提醒、发送失败的学生' },
      { fields: ['status', 'updatedAt'], why: '定时任务找出中断在发送中的提醒' },
    ],
  },
} as const satisfies { [N in keyof CollectionDocuments]: CollectionSpec & { name: N } };

export type CollectionName = keyof typeof COLLECTIONS;

/** The documents of a collection (a union where a collection keeps kinds told apart by `kind`). */
export type DocumentOf<N extends CollectionName> = CollectionDocuments[N];

export const ALL_COLLECTIONS: readonly CollectionSpec[] = Object.values(COLLECTIONS);
