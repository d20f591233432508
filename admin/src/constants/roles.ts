/**
 * The roles as the console names and explains them (the admin contract's ROLE_LABELS and
 * ROLE_DUTIES; the console may import only types from it, so the words are repeated here and the
 * browser test checks they match what the server says).
 */
import type { StaffRole } from '../api/types';

export const ROLE_ORDER: readonly StaffRole[] = ['admin', 'cashier', 'reviewer', 'viewer'];

export const ROLE_LABELS: Readonly<Record<StaffRole, string>> = {
  admin: '管理员',
  cashier: '收费员',
  reviewer: '审核',
  viewer: '只读',
};

export const ROLE_DUTIES: Readonly<Record<StaffRole, string>> = {
  admin: '管理财务人员与设置',
  cashier: '导入学生与账单、管理账单、导出',
  reviewer: '审批他人提出的退款等申请',
  viewer: '查看与导出',
};
