/**
 * The billing store: the only code that writes bills, orders, payments, refunds, the callback log,
 * review cases and reconciliation days (lint refuses such a write anywhere else in billing). The
 * rest of billing calls its named operations and reads through the read-only handles of
 * `billingReads`.
 */
import type { Database } from '../../runtime';
import { billWrites } from './bills';
import { caseWrites } from './cases';
import { latePaymentWrites } from './late-payment';
import { officeWrites } from './office';
import { orderWrites } from './orders';
import { paymentWrites } from './payments';
import { refundWrites } from './refunds';

export { billingReads, type BillingReads, type Reader } from './reads';
export { receiptMarks, type ReceiptMark } from './receipt-marks';
export { correctStudentOnBills, type StudentCorrection } from './student-snapshot';
export { studentBillingView, type StudentBillingView } from './student-view';
export { RefundRefusedError, type SettledRefund } from './refunds';
export { CaseRefusedError, type CaseChange, type CaseRefusal } from './cases';
export type { LatePaymentResult } from './late-payment';
export type { PaidVia } from './orders';

export function billingStore(db: Database) {
  return {
    ...orderWrites(db),
    ...billWrites(db),
    ...paymentWrites(db),
    ...refundWrites(db),
    ...latePaymentWrites(db),
    ...officeWrites(db),
    ...caseWrites(db),
  };
}

export type BillingStore = ReturnType<typeof billingStore>;
