/** The admin contract's types, as the console's pages use them. */
export type {
  ConsoleIdentity,
  ConsoleSignInPoll,
  ConsoleSignInStart,
  StaffInvitationCreated,
  StaffView,
} from '../../../cloudfunctions/shared/staff/contract';
export type { ErrorCode, StaffRole } from '../../../cloudfunctions/shared/contracts';
export type {
  ImportBatchStatus,
  ImportBatchView,
  ImportKind,
  RowChange,
  RowCheck,
  RowOutcome,
  RowProblem,
} from '../../../cloudfunctions/shared/imports/contract';
export type {
  BillDetail,
  BillPage,
  BillStatusView,
  ConsoleBill,
  ConsoleBillOrder,
  FeeItemView,
  OrderStatusView,
} from '../../../cloudfunctions/shared/billing/contract';
export type { StudentAccountReset, StudentActivationCode, StudentPage, StudentSummary } from '../../../cloudfunctions/shared/students/contract';
export type {
  CollectionFigures,
  DailyIncome,
  Dashboard,
  ExportKind,
  ExportPage,
  ExportRow,
  FiguresBy,
} from '../../../cloudfunctions/shared/billing/contract';
export type { AuditEntryView, AuditPage } from '../../../cloudfunctions/shared/staff/contract';
export type {
  CaseActionView,
  CaseDetail,
  CaseKindView,
  CaseOrderView,
  CasePage,
  CasePaymentView,
  CaseStateView,
  CaseWechatView,
  ConsoleCase,
  ConsoleRefund,
  ConsoleRefundLine,
  ReconciliationDay,
  ReconciliationDifferenceView,
  ReconciliationStateView,
  ReconciliationTotals,
  RefundedBillsView,
  RefundPage,
  RefundStateView,
} from '../../../cloudfunctions/shared/billing/contract';
export type { ReminderFigures } from '../../../cloudfunctions/shared/reminders/contract';
