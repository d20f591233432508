import { action, access } from '../kernel/contract';
import { reasonText, v } from '../kernel/validate';
import type { IdNumberProblem } from './domain/id-number';
import type { PasswordProblem } from './domain/password-policy';
import type { StudentProblem } from './domain/student';

/**
 * Codes the auth function returns besides the common ones (RATE_LIMITED carries
 * `details.retryAfterSeconds`). Sign-in never says which of account and password was wrong, or
 * that an account is locked, except to the WeChat account that verified for that student.
 */
export const AUTH_ERRORS = {
  LOGIN_FAILED: '账号或密码错误',
  ACCOUNT_LOCKED: '密码错误次数过多，账号已临时锁定。请稍后再试，或通过“忘记密码”验证手机号后重设密码',
  STUDENT_NO_FORMAT: '学号应为 4–20 位字母或数字',
  ID_NUMBER_FORMAT: '证件号应为 18 位（旧版为 15 位），由数字组成，最后一位可以是 X',
  ID_NUMBER_REGION: '证件号前两位不是有效的地区代码，请核对',
  ID_NUMBER_BIRTH_DATE: '证件号中的出生日期不存在，请核对',
  ID_NUMBER_FUTURE_DATE: '证件号中的出生日期晚于今天，请核对',
  ID_NUMBER_CHECKSUM: '证件号校验位不正确，请核对每一位（特别是最后一位）',
  PASSWORD_TOO_SHORT: '新密码至少 8 位',
  PASSWORD_TOO_LONG: '新密码最多 64 位',
  PASSWORD_IS_INITIAL: '新密码不能是初始密码（证件号后 8 位）',
  PASSWORD_CONTAINS_ID_NUMBER: '新密码不能包含证件号中连续 6 位',
  PASSWORD_CONTAINS_STUDENT_NO: '新密码不能包含学号中连续 6 位',
  PASSWORD_TOO_COMMON: '新密码过于常见，容易被猜到（如 12345678、生日、键盘连续字母），请换一个',
  PASSWORD_MISMATCH: '两次输入的新密码不一致',
  PASSWORD_SAME_AS_OLD: '新密码不能与当前密码相同',
  OLD_PASSWORD_WRONG: '当前密码不正确',
  PASSWORD_CHANGED_MEANWHILE: '密码刚刚已被修改，本次修改未生效。请使用最新的密码',
  SETUP_EXPIRED: '首次登录验证已失效，请重新登录',
  SETUP_IDENTITY_FIRST: '请先确认身份信息',
  SETUP_PASSWORD_FIRST: '请先设置新密码',
  DEVICE_EXPIRED: '验证已失效，请重新登录',
  PHONE_CODE_INVALID: '手机号授权已失效，请重新点击获取手机号',
  PHONE_CODE_USED: '这次手机号授权已经使用过，请重新点击获取手机号',
  SETUP_PHONE_TAKEN: '该手机号已登记在其他学生账号下，不能用于本账号的首次登录。如确为本人手机号，请联系计划财务处核实',
  SETUP_WECHAT_TAKEN: '当前微信已为其他学生账号完成过首次登录，不能再为本账号完成。如确需办理，请联系计划财务处核实',
  SETUP_ACTIVATION_FIRST: '学校没有登记您的手机号，请先输入计划财务处发给您的激活码',
  ACTIVATION_CODE_INVALID: '激活码不正确或已过期。请核对后重新输入，或联系计划财务处重新领取',
  ACTIVATION_NOT_NEEDED: '该账号不需要激活码',
  PHONE_MISMATCH: '当前微信绑定的手机号与该账号登记的手机号不一致。请使用登记手机号所在的微信，或联系计划财务处',
  RESET_NOT_VERIFIED: '无法通过手机号验证该账号（账号不存在、未登记手机号或手机号不一致）。请联系计划财务处',
  RESET_EXPIRED: '手机号验证已失效，请重新验证',
  DESKTOP_LINK_INVALID: '无法识别这个二维码，请在学习平台重新生成，或直接用学号和密码登录',
  DESKTOP_LINK_EXPIRED: '二维码已过期（10 分钟内有效），请在学习平台重新生成，或直接用学号和密码登录',
  DESKTOP_LINK_USED: '这个二维码已经用过，每个二维码只能使用一次。请在学习平台重新生成，或直接用学号和密码登录',
  DESKTOP_LINK_UNKNOWN_STUDENT: '暂时查不到这个二维码对应的缴费账号，请直接用学号或证件号登录；仍有问题请联系计划财务处',
} as const;

export type AuthErrorCode = keyof typeof AUTH_ERRORS;

/** The error code (and so the message) for each way an ID number can be wrong. */
export const ID_NUMBER_ERROR_CODES = {
  format: 'ID_NUMBER_FORMAT',
  region: 'ID_NUMBER_REGION',
  birthDate: 'ID_NUMBER_BIRTH_DATE',
  futureDate: 'ID_NUMBER_FUTURE_DATE',
  checksum: 'ID_NUMBER_CHECKSUM',
} as const satisfies Record<IdNumberProblem, AuthErrorCode>;

/** The error code (and so the message) for each rule. */
export const PASSWORD_ERROR_CODES = {
  tooShort: 'PASSWORD_TOO_SHORT',
  tooLong: 'PASSWORD_TOO_LONG',
  isInitial: 'PASSWORD_IS_INITIAL',
  containsIdNumber: 'PASSWORD_CONTAINS_ID_NUMBER',
  containsStudentNo: 'PASSWORD_CONTAINS_STUDENT_NO',
  tooCommon: 'PASSWORD_TOO_COMMON',
} as const satisfies Record<PasswordProblem, AuthErrorCode>;

const ORG_LABELS = { college: '学院', major: '专业', grade: '年级', className: '班级' } as const;

/** What is wrong with a field of a student row (import, demo data), as the person fixing it reads it. */
export function studentProblemMessage(problem: StudentProblem): string {
  switch (problem.field) {
    case 'studentNo':
      return AUTH_ERRORS.STUDENT_NO_FORMAT;
    case 'name':
      return '姓名应为 1–30 个汉字或字母';
    case 'idNumber':
      return AUTH_ERRORS[ID_NUMBER_ERROR_CODES[problem.reason ?? 'format']];
    case 'phone':
      return '手机号应为 11 位中国大陆手机号';
    case 'email':
      return '邮箱格式不正确';
    default:
      return `${ORG_LABELS[problem.field]}不能为空，最多 50 个字符`;
  }
}

export interface SessionStatus {
  signedIn: boolean;
  /** The caller is active finance staff (the admin pages use it to decide what to show). */
  staff: boolean;
  /** Server time (ISO 8601), so the client never trusts its own clock for deadlines. */
  serverTime: string;
}

/** A student as shown to them: name and ID number masked. */
export interface MaskedIdentity {
  /** 张*三 */
  name: string;
  studentNo: string;
  /** 3706**********123X */
  idNumber: string;
  college: string;
  major: string;
  grade: string;
  className: string;
}

/** 我的 */
export interface Profile extends MaskedIdentity {
  /** 138****5678, or null when none is on file. */
  phone: string | null;
  /** The rules a new password must keep, as 修改密码 lists them (the same the other password pages receive). */
  passwordRules: readonly string[];
}

/**
 * What sign-in leads to:
 * - home: signed in;
 * - setup: first sign-in — confirm identity, change the password, verify the phone (首次登录);
 * - verifyDevice: this WeChat account has not verified for this student — verify the phone.
 */
export type SignInNext = 'home' | 'setup' | 'verifyDevice';

export interface SignInResult {
  next: SignInNext;
  /**
   * home: the student's identity. setup / verifyDevice: null — nothing about the student is shown
   * to a caller who has not finished proving who they are.
   */
  identity: MaskedIdentity | null;
  /** verifyDevice: the masked number on file that WeChat's number must match. */
  phone: string | null;
}

/**
 * What the first sign-in's identity step shows to tell the student it is their account: masked
 * name and ID number, and the 学号 only when that is what was typed (a caller who typed an ID number
 * learns no 学号, 学院, 专业 or phone before finishing).
 */
export interface SetupIdentity {
  /** 张*三 */
  name: string;
  /** 3706**********123X */
  idNumber: string;
  studentNo: string | null;
}

/**
 * How the phone step proves the student:
 * - onFile: the school registered a number; WeChat's number must be the same;
 * - activationCode: no number on file; an activation code from the finance office comes first;
 * - activated: the code was accepted; the number WeChat verifies becomes the student's.
 */
export type PhoneProof = 'onFile' | 'activationCode' | 'activated';

export interface SetupState {
  identity: SetupIdentity;
  identityConfirmed: boolean;
  passwordSet: boolean;
  phoneProof: PhoneProof;
  /** ISO 8601: the office reset this account (someone else had activated it); the student is told. */
  resetByOfficeAt: string | null;
  /** ISO 8601; after it the student signs in again. */
  expiresAt: string;
  passwordRules: readonly string[];
}

export interface ForgotVerified {
  /** Only the masked name and 学号, to make sure it is the right account. */
  name: string;
  studentNo: string;
  expiresAt: string;
  passwordRules: readonly string[];
}

export interface IdNumberChecked {
  /** The number as it will be used (15-digit numbers converted to 18), masked. */
  idNumber: string;
  converted: boolean;
}

/** What the auth function's timer trigger purged. */
export interface AuthCleanupReport {
  /** Records of used getPhoneNumber codes old enough that WeChat refuses the code by itself. */
  phoneCodesRemoved: number;
  /** Failure counters whose failures no longer count. */
  loginAttemptsRemoved: number;
  /** Nonces of the learning platform's links that expired more than a day ago. */
  desktopLinkNoncesRemoved: number;
}

/**
 * The learning platform's QR link, redeemed: the account to fill in on the login page. Nothing
 * else about the student, and no sign-in: the password is still asked for.
 */
export interface DesktopLinkRedeemed {
  studentNo: string;
  /** The platform verified the student's face before it made the link. */
  faceVerified: true;
}

const timerEvent = v.object({ Type: v.literal('Timer'), TriggerName: v.string(), Time: v.optional(v.string()) });

const accountKind = v.literal('studentNo', 'idNumber');
const account = v.string({ min: 1, max: 40 });
/** Passwords are taken as typed: no trimming. */
const password = v.string({ min: 1, max: 128, trim: false });
const phoneCode = v.string({ min: 1, max: 256 });

export const authContract = {
  status: action<SessionStatus>()({ request: v.object({}), access: access.public }),

  /** 证件号 → 下一步: checks the number's form (never whether an account exists). */
  checkIdNumber: action<IdNumberChecked>()({ request: v.object({ idNumber: account }), access: access.public }),

  signIn: action<SignInResult>()({
    request: v.object({ by: accountKind, account, password }),
    access: access.public,
  }),

  /** 首次登录: where the caller is in it. */
  setupState: action<SetupState>()({ request: v.object({}), access: access.public }),
  /** 首次登录 step 1: "this is me". */
  setupConfirmIdentity: action<SetupState>()({ request: v.object({}), access: access.public }),
  /**
   * 首次登录, for a student with no phone on file, after the identity: the activation code the
   * finance office issued. Wrong codes count against the WeChat account like wrong passwords.
   */
  setupActivate: action<SetupState>()({
    request: v.object({ activationCode: v.string({ min: 1, max: 32 }) }),
    access: access.public,
  }),
  /** 首次登录 step 2: the new password, twice. */
  setupPassword: action<SetupState>()({
    request: v.object({ newPassword: password, confirmPassword: password }),
    access: access.public,
  }),
  /** 首次登录 step 3: the code from `<button open-type="getPhoneNumber">`; completes the first sign-in. */
  setupPhone: action<{ next: 'home'; identity: MaskedIdentity }>()({
    request: v.object({ phoneCode }),
    access: access.public,
  }),

  /** A WeChat account new to this student proves the phone on file. */
  verifyDevice: action<{ next: 'home'; identity: MaskedIdentity }>()({
    request: v.object({ phoneCode }),
    access: access.public,
  }),

  /** 忘记密码 step 1: the account and a getPhoneNumber code whose number must be the one on file. */
  forgotVerify: action<ForgotVerified>()({
    request: v.object({ by: accountKind, account, phoneCode }),
    access: access.public,
  }),
  /**
   * 忘记密码 step 2: the new password, twice. Then sign in with it. Every session ends; only the
   * WeChat account that proved the phone stays bound (others verify the phone again).
   */
  forgotReset: action<{ done: true }>()({
    request: v.object({ newPassword: password, confirmPassword: password }),
    access: access.public,
  }),

  profile: action<Profile>()({ request: v.object({}), access: access.student }),

  /**
   * 修改密码: other WeChat accounts signed in as this student are signed out and must verify the
   * phone again. PASSWORD_CHANGED_MEANWHILE when the password changed since it was checked.
   */
  changePassword: action<{ done: true }>()({
    request: v.object({ oldPassword: password, newPassword: password, confirmPassword: password }),
    access: access.student,
  }),

  /**
   * The learning platform's one-time QR link, as WeChat opened the login page with it (`q`,
   * decoded): signature, expiry, never redeemed before, a known 学号. Refusals count against the
   * WeChat account like wrong passwords.
   */
  redeemDesktopLink: action<DesktopLinkRedeemed>()({
    request: v.object({ link: v.string({ min: 1, max: 1024 }) }),
    access: access.public,
  }),

  /** 退出登录 (also abandons an unfinished first sign-in or reset). */
  signOut: action<{ signedOut: true }>()({ request: v.object({}), access: access.public }),

  /** Timer trigger (config.json): purges used phone codes, stale failure counters and expired link nonces. */
  cleanup: action<AuthCleanupReport>()({ request: timerEvent, access: access.timer }),
};

// ------------------------------------------------------------------ the finance console (admin function)

/** A student as the console lists them: the ID number and phone masked, as everywhere. */
export interface StudentSummary {
  studentNo: string;
  name: string;
  idNumber: string;
  college: string;
  major: string;
  grade: string;
  className: string;
  phone: string | null;
  phoneVerified: boolean;
  /** 已完成首次登录 */
  setupCompleted: boolean;
  /** A password reset or an account reset by the office: the student's next sign-in is a first sign-in. */
  officeResetAt: string | null;
  createdAt: string;
}

export interface StudentPage {
  items: StudentSummary[];
  total: number;
}

export interface StudentActivationCode {
  studentNo: string;
  /** Shown once. */
  activationCode: string;
  expiresAt: string;
}

/**
 * 重置账号: what the student will use at the next first sign-in. Either the new phone on file
 * (masked), which WeChat must verify, or an activation code, shown this once.
 */
export interface StudentAccountReset {
  studentNo: string;
  /** The number put on file, masked; null when an activation code was issued instead. */
  phone: string | null;
  /** Null when a phone was put on file. */
  activation: StudentActivationCode | null;
  /** Sessions of the student's WeChat accounts that ended. */
  sessionsEnded: number;
}

const orgFilter = () => v.optional(v.string({ max: 50 }));
const studentNo = () => v.string({ min: 1, max: 32 });

export const studentsConsoleContract = {
  searchStudents: action<StudentPage>()({
    request: v.object({
      /** 学号, 姓名 or 证件号 (matched exactly; an ID number by its keyed hash). */
      query: v.optional(v.string({ max: 40 })),
      college: orgFilter(),
      major: orgFilter(),
      grade: orgFilter(),
      className: orgFilter(),
      page: v.integer({ min: 1, max: 10_000 }),
      pageSize: v.integer({ min: 1, max: 100 }),
    }),
    access: access.console('admin', 'cashier', 'reviewer', 'viewer'),
  }),
  studentDetail: action<StudentSummary>()({ request: v.object({ studentNo: studentNo() }), access: access.console('admin', 'cashier', 'reviewer', 'viewer') }),
  resetStudentPassword: action<{ studentNo: string; needsActivationCode: boolean }>()({
    request: v.object({ studentNo: studentNo(), reason: reasonText() }),
    access: access.console('admin', 'cashier'),
    audited: true,
  }),
  issueStudentActivationCode: action<StudentActivationCode>()({
    request: v.object({ studentNo: studentNo(), reason: reasonText() }),
    access: access.console('admin', 'cashier'),
    audited: true,
  }),
  /**
   * 重置账号, for a student whose first sign-in someone else completed or whose phone on file is
   * wrong or changed: the first sign-in and bound WeChat accounts undone, the initial password
   * back, and the new phone put on file (or, without one, an activation code issued). The ID
   * number is the one read from the student's card, checked against the record; it is neither
   * stored nor answered, and the audit entry keeps only the reason and what changed.
   */
  resetStudentAccount: action<StudentAccountReset>()({
    request: v.object({
      studentNo: studentNo(),
      idNumber: v.string({ min: 1, max: 40 }),
      phone: v.optional(v.string({ max: 20 })),
      reason: reasonText(),
    }),
    access: access.console('admin', 'cashier'),
    audited: true,
  }),
};
