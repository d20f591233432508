/**
 * Billing: bills, orders, WeChat Pay through cloudPay, its callbacks, refunds, the payments timer
 * and reconciliation. Other features and the function entries use it only through this file.
 */
export { billsHandlers } from './bills-handlers';
export { payHandlers, payStudentJoins } from './pay-handlers';
export { paymentsSweepHandlers } from './sweep';
export { handlePaymentCallback, type CallbackAnswer } from './callbacks';
export { paymentContext, type PaymentContext } from './context';
export { PayConfigError } from './cloudpay';
export { requestRefund } from './refunding';
export { billingConsoleHandlers } from './office';
export { owedBills, type OwedBillRead } from './owed-bills';
export { checkBillRows, importBillRows, withdrawBillsOfBatch, type BillImportScope, type BillSheetRow } from './bill-import';
export type { NewRefundInput, RefundRefusal } from './domain/billing';
export { linesStillPaid } from './domain/billing';
export type { OrderDoc, RefundDoc } from './domain/records';
export { correctStudentOnBills, receiptMarks, RefundRefusedError, type ReceiptMark, type StudentCorrection } from './store';
