/**
 * Receipts (我的发票): issuing, the PDF, 冲红, email, verification. Other features and the function
 * entries use it only through this file; payments reach it through the receipts function's
 * internal actions.
 */
export { receiptsHandlers } from './handlers';
