/**
 * How the console names what the audit log records: the actions as the admin contract names them
 * (AUDIT_ACTION_LABELS); the targets, the processes and the fields that the server's audit
 * entries carry, as the office calls them.
 */
export { AUDIT_ACTION_LABELS } from '../../../cloudfunctions/shared/staff/contract';

/** What a change's target (`bill:<id>`, `staff:<openid>` …) is, by the part before the colon. */
export const AUDIT_TARGET_LABELS: Readonly<Record<string, string>> = {
  bill: '账单',
  staff: '财务人员',
  staffInvitation: '邀请',
  importBatch: '导入批次',
  feeItem: '收费项目',
  export: '导出',
  student: '学生',
  consoleSignIn: '后台登录',
  refund: '退款',
  case: '待核实事项',
  order: '订单',
  reconciliation: '对账',
};

/** Entries written by a process rather than a person. */
export const AUDIT_PROCESS_LABELS: Readonly<Record<string, string>> = {
  paymentsSweep: '系统（支付定时任务）',
  payments: '系统（支付处理）',
  pay: '系统（支付）',
};

/** Fields that hold fen, shown in 元. */
export const AUDIT_MONEY_FIELDS: ReadonlySet<string> = new Set(['amount', 'refundFee']);

/** The fields the changes record, as the office calls them. */
export const AUDIT_FIELD_LABELS: Readonly<Record<string, string>> = {
  amount: '金额',
  refundFee: '退款金额',
  billIds: '账单',
  orderId: '订单',
  status: '状态',
  role: '角色',
  active: '在职',
  name: '名称',
  kind: '类型',
  fileName: '文件',
  fileHash: '文件摘要',
  rowCount: '行数',
  rows: '行数',
  created: '新增',
  updated: '更新',
  unchanged: '无变化',
  invalid: '错误',
  withdrawnBills: '作废账单',
  filters: '条件',
  mandatory: '必缴',
  payableAfterDeadline: '截止后可缴',
  sortOrder: '排序',
  expiresAt: '有效期至',
  browser: '浏览器',
  address: '地址',
  invitation: '邀请',
  signedOut: '已退出',
  action: '办理',
  studentNo: '学号',
  studentName: '姓名',
  term: '学年学期',
  college: '学院',
  major: '专业',
  grade: '年级',
  itemCode: '收费项目',
  deadlineFrom: '截止日期自',
  deadlineTo: '截止日期至',
  paidFrom: '支付日期自',
  paidTo: '支付日期至',
};
