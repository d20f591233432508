/**
 * The admin function: the finance console (through the HTTP entry: `access.web` before sign-in,
 * `access.console(...)` after) and the mini program's staff pages (confirming a console sign-in,
 * accepting an invitation). Which role may do what is written here, per action, and checked by the
 * runtime before a handler runs.
 */
import { action, access, STAFF_ROLES, type StaffRole } from '../kernel/contract';
import { reasonText, v } from '../kernel/validate';

export const ADMIN_ERRORS = {
  SIGN_IN_EXPIRED: '二维码已过期，请在电脑上刷新后重新扫码',
  SIGN_IN_USED: '这个二维码已经用过了，请在电脑上刷新后重新扫码',
  SIGN_IN_CANCELLED: '已取消登录',
  INVITATION_EXPIRED: '邀请已过期，请联系管理员重新邀请',
  INVITATION_USED: '邀请已被使用',
  ALREADY_STAFF: '此微信号已是在职的财务人员',
  FIRST_ADMIN_EXISTS: '已有管理员，请由管理员邀请加入',
  FIRST_ADMIN_CODE_WRONG: '设置码不正确',
  FIRST_ADMIN_UNAVAILABLE: '未配置首位管理员设置码（ADMIN_BOOTSTRAP_CODE）',
  STAFF_SELF_CHANGE: '不能修改自己的角色或停用自己（由另一位管理员操作），以免没有管理员',
  MINI_PROGRAM_CODE_FAILED: '生成小程序码失败，请稍后重试',
} as const;

export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

export const ROLE_LABELS: Readonly<Record<StaffRole, string>> = {
  admin: '管理员',
  cashier: '收费员',
  reviewer: '审核',
  viewer: '只读',
};

/** What each role is for, as the console explains it when inviting. */
export const ROLE_DUTIES: Readonly<Record<StaffRole, string>> = {
  admin: '管理财务人员与设置',
  cashier: '导入学生与账单、管理账单、申请退款、重新对账、导出',
  reviewer: '审批他人提出的退款，核实并办结待核实事项、重新对账',
  viewer: '查看与导出',
};

/**
 * Starting a sign-in makes a code (WeChat counts those): an office behind one address may have a
 * few consoles open, each refreshing its code every two minutes. A console polls about every 2 s.
 */
const START_LIMIT = { perMinute: 20, perHour: 200 };
const POLL_LIMIT = { perMinute: 90, perHour: 3000 };

/** Every role: viewing is open to all staff. */
const ANY_ROLE = STAFF_ROLES;

/** Time fields are ISO 8601. */
export interface ConsoleSignInStart {
  /** The scene of the mini program code: names the sign-in, not a secret. */
  ticket: string;
  /** Only the browser that started the sign-in holds it: it must come with every poll. */
  pollKey: string;
  /** The mini program code to scan, as a data URL. */
  codeImage: string;
  expiresAt: string;
}

export type ConsoleSignInState = 'waiting' | 'scanned' | 'confirmed' | 'cancelled' | 'expired';

export interface StaffView {
  staffId: string;
  name: string;
  role: StaffRole;
  roleLabel: string;
  active: boolean;
  createdAt: string;
}

/** The signed-in staff member, as the console's header shows them. */
export interface ConsoleIdentity {
  /** The same id the records they make carry (a refund's requestedByStaffId), so the console can tell their own. */
  staffId: string;
  name: string;
  role: StaffRole;
  roleLabel: string;
}

export interface ConsoleSignInPoll {
  state: ConsoleSignInState;
  /** Given once, when the state is first seen as confirmed: the console's session token. */
  token?: string;
  sessionExpiresAt?: string;
  staff?: ConsoleIdentity;
}

/** What the mini program's 确认登录 page shows before the staff member confirms. */
export interface ConsoleSignInRequest {
  requestedAt: string;
  expiresAt: string;
  /** The browser as it described itself, e.g. "Chrome 120 · Windows". */
  browser: string;
}

export interface StaffInvitationCreated {
  invitationId: string;
  codeImage: string;
  expiresAt: string;
}

export interface StaffInvitationView {
  name: string;
  role: StaffRole;
  roleLabel: string;
  roleDuties: string;
  expiresAt: string;
  /** The first administrator of the environment. */
  firstAdmin: boolean;
}

/** What each audited action is called in the audit log view; others show their own name. */
export const AUDIT_ACTION_LABELS: Readonly<Record<string, string>> = {
  'admin.confirmSignIn': '扫码登录后台',
  'admin.signOut': '退出后台',
  'admin.inviteStaff': '邀请财务人员',
  'admin.acceptInvitation': '接受邀请加入',
  'admin.updateStaff': '修改财务人员',
  'admin.startImport': '开始导入',
  'admin.importRows': '导入名单（手机号变更）',
  'admin.finishImport': '完成导入',
  'admin.withdrawImport': '撤回导入批次',
  'admin.adjustBill': '调整账单金额',
  'admin.waiveBill': '减免账单',
  'admin.voidBill': '作废账单',
  'admin.saveFeeItem': '修改收费项目',
  'admin.startExport': '导出',
  'admin.startAuditExport': '导出审计日志',
  'admin.requestRefund': '申请退款',
  'admin.approveRefund': '批准退款',
  'admin.rejectRefund': '驳回退款',
  'admin.resolveCase': '办结待核实事项',
  'admin.requestCaseRefund': '待核实事项申请退款',
  'admin.rerunReconciliation': '重新对账',
  'admin.resetStudentPassword': '重置学生密码',
  'admin.issueStudentActivationCode': '发放激活码',
  'admin.resetStudentAccount': '重置学生账号',
  'students.account.reset': '重置学生账号',
  'students.activationCode.issued': '发放激活码',
  'students.password.reset': '重置学生密码',
};

export interface AuditEntryView {
  at: string;
  /** staff:<id>, openid:…, or a process (pay, paymentsSweep …). */
  actor: string;
  /** The staff member's name and role label when a staff member acted. */
  staffName: string | null;
  roleLabel: string | null;
  action: string;
  actionLabel: string;
  reason: string | null;
  /** The rest of what was recorded (before → after of each change), as JSON text. */
  details: string;
}

export interface AuditPage {
  items: AuditEntryView[];
  total: number;
}

const ticket = () => v.string({ min: 16, max: 32, pattern: /^[A-Za-z0-9_-]+$/ });
const staffName = () => v.string({ min: 1, max: 20 });
const role = () => v.literal(...STAFF_ROLES);


/** The audit log's filters, for reading it and for exporting it. */
const auditFilters = {
  /** YYYY-MM-DD, China time, inclusive. */
  from: v.optional(v.string({ pattern: /^\d{4}-\d{2}-\d{2}$/ })),
  to: v.optional(v.string({ pattern: /^\d{4}-\d{2}-\d{2}$/ })),
  /** A staff member (their id) or a process name. */
  actor: v.optional(v.string({ max: 80 })),
  action: v.optional(v.string({ max: 80 })),
};

export const adminContract = {
  // ------------------------------------------------------------ console sign-in (browser)
  startSignIn: action<ConsoleSignInStart>()({ request: v.object({}), access: access.web(START_LIMIT) }),
  pollSignIn: action<ConsoleSignInPoll>()({
    request: v.object({ ticket: ticket(), pollKey: v.string({ min: 43, max: 43, pattern: /^[A-Za-z0-9_-]+$/ }) }),
    access: access.web(POLL_LIMIT),
  }),
  me: action<ConsoleIdentity>()({ request: v.object({}), access: access.console(...ANY_ROLE) }),
  signOut: action<{ signedOut: true }>()({ request: v.object({}), access: access.console(...ANY_ROLE), audited: true }),
  startFirstAdmin: action<StaffInvitationCreated>()({
    request: v.object({ code: v.string({ min: 1, max: 128 }), name: staffName() }),
    access: access.web({ perMinute: 5, perHour: 20 }),
  }),

  // ------------------------------------------------------------ console sign-in (mini program)
  describeSignIn: action<ConsoleSignInRequest>()({ request: v.object({ ticket: ticket() }), access: access.staff(...ANY_ROLE) }),
  confirmSignIn: action<{ confirmed: true }>()({ request: v.object({ ticket: ticket() }), access: access.staff(...ANY_ROLE), audited: true }),
  cancelSignIn: action<{ cancelled: true }>()({ request: v.object({ ticket: ticket() }), access: access.staff(...ANY_ROLE) }),

  // ------------------------------------------------------------ staff
  listStaff: action<{ items: StaffView[] }>()({ request: v.object({}), access: access.console('admin') }),
  inviteStaff: action<StaffInvitationCreated>()({
    request: v.object({ name: staffName(), role: role() }),
    access: access.console('admin'),
    audited: true,
  }),
  updateStaff: action<StaffView>()({
    request: v.object({ staffId: v.string({ min: 1, max: 64 }), role: v.optional(role()), active: v.optional(v.boolean()), reason: reasonText() }),
    access: access.console('admin'),
    audited: true,
  }),
  listAudit: action<AuditPage>()({
    request: v.object({ ...auditFilters, page: v.integer({ min: 1, max: 10_000 }), pageSize: v.integer({ min: 1, max: 1000 }) }),
    access: access.console('admin', 'reviewer'),
  }),
  /** Before the audit log is exported: how many entries, and the export itself written to the log. */
  startAuditExport: action<{ total: number }>()({ request: v.object(auditFilters), access: access.console('admin', 'reviewer'), audited: true }),
  describeInvitation: action<StaffInvitationView>()({ request: v.object({ invitationId: ticket() }), access: access.public }),
  acceptInvitation: action<StaffView>()({ request: v.object({ invitationId: ticket() }), access: access.public, audited: true }),
};
