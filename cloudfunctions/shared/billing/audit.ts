/**
 * auditLog entries written by the payment code: what finance must look at (a payment WeChat
 * reports differently from the order, a refund that needs a hand, a reconciled day).
 */
export { writeAudit, type AuditDoc } from '../runtime/audit';
