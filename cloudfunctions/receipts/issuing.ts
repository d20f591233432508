/**
 * Issuing: a number and the record in one transaction, then the document. A failed render or upload
 * leaves the record in PENDING_PDF with its number (no number is burnt, none is reused); the next
 * call, the sweep or a download completes it.
 */
import { createHmac } from 'node:crypto';
import type { ReceiptIssued, ReceiptState, ReceiptSweepReport } from '../shared/contracts/receipts';
import { maskReference } from '../shared/domain/mask';
import {
  AppError,
  collection,
  commands,
  isDuplicateKeyError,
  transaction,
  type BaseDoc,
  type RequestContext,
} from '../shared/runtime';
import type { OrderDoc } from '../shared/domain/records';
import {
  checkCodeFromDigest,
  checkCodeInput,
  needsPdf,
  newReceipt,
  receiptCloudPath,
  receiptCounterId,
  receiptIdOf,
  wantedPdfVersion,
  type ReceiptDoc,
  type ReceiptPayer,
  type ReceiptStatus,
} from '../shared/domain/receipt';
import type { StudentDoc } from '../shared/domain/student';
import { renderReceiptPdf } from './pdf';
import { readReceiptsSettings, type ReceiptsSettings } from './settings';
import { mailReceiptOnce } from './mailing';

interface CounterDoc extends BaseDoc {
  value: number;
  updatedAt: Date;
}

interface SweepStateDoc extends BaseDoc {
  /** Every PAID order paid before this has its receipt. */
  paidAtCursor: Date | null;
  updatedAt: Date;
}

/** Only what a receipt prints about the payer. */
type PayerRecord = Pick<StudentDoc, '_id' | 'studentNo' | 'name'> & Partial<Pick<StudentDoc, 'idMasked'>>;

export const SWEEP_STATE_ID = 'receipt-sweep';
const ALLOCATION_ATTEMPTS = 3;

export const receiptsOf = (ctx: Pick<RequestContext, 'db'>) => collection<ReceiptDoc>(ctx.db, 'receipts');

export function stateOf(status: ReceiptStatus): ReceiptState {
  return status === 'PENDING_PDF' ? 'PENDING' : status;
}

export function settingsOrFail(ctx: RequestContext): ReceiptsSettings {
  try {
    return readReceiptsSettings();
  } catch (error) {
    ctx.log.error('receipts settings invalid', { error });
    throw new AppError('UNAVAILABLE', '票据服务未正确配置，请稍后再试');
  }
}

function checkCodeOf(secret: string, fields: Parameters<typeof checkCodeInput>[0]): string {
  return checkCodeFromDigest(createHmac('sha256', secret).update(checkCodeInput(fields)).digest());
}

/** Number + record, all or nothing. Returns the existing receipt when the order already has one. */
async function allocate(ctx: RequestContext, orderId: string, settings: ReceiptsSettings): Promise<{ receipt: ReceiptDoc; created: boolean }> {
  const secret = settings.checkSecret;
  if (!secret) {
    ctx.log.error('RECEIPT_CHECK_SECRET is not set: no receipt can be issued');
    throw new AppError('UNAVAILABLE', '票据服务未正确配置，请稍后再试');
  }
  const id = receiptIdOf(orderId);
  const counterId = receiptCounterId(settings.issuer.receiptCode);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction(ctx.db, async (tx) => {
        const existing = await tx.get<ReceiptDoc>('receipts', id);
        if (existing) return { receipt: existing, created: false };
        const order = await tx.get<OrderDoc>('orders', orderId);
        if (!order) throw new AppError('NOT_FOUND', '订单不存在');
        if (order.status !== 'PAID') throw new AppError('RECEIPT_ORDER_NOT_PAID');
        const student = await tx.get<PayerRecord>('students', order.studentId);
        if (!student) throw new Error(`order ${orderId}: its student record is missing`);
        const payer: ReceiptPayer = { name: student.name, studentNo: student.studentNo, idMasked: student.idMasked ?? '' };
        const counter = await tx.get<CounterDoc>('counters', counterId);
        const sequence = (counter?.value ?? 0) + 1;
        const at = ctx.now();
        const fields = newReceipt({
          order,
          payer,
          settings: settings.issuer,
          sequence,
          checkCode: '',
          transactionIdMasked: order.transactionId ? maskReference(order.transactionId) : '',
          at,
        });
        fields.checkCode = checkCodeOf(secret, fields);
        await tx.set<CounterDoc>('counters', counterId, { value: sequence, updatedAt: at });
        await tx.insert<ReceiptDoc>('receipts', { _id: id, ...fields });
        return { receipt: { _id: id, ...fields }, created: true };
      });
    } catch (error) {
      if (error instanceof AppError) throw error;
      // Another call made it first (unique orderId, or the cloud's write conflict): theirs stands.
      const made = await receiptsOf(ctx).findById(id);
      if (made) return { receipt: made, created: false };
      if (isDuplicateKeyError(error) || attempt >= ALLOCATION_ATTEMPTS) throw error;
      ctx.log.warn('receipt allocation retried', { orderId, attempt, error });
    }
  }
}

/**
 * Renders and stores the document the receipt's state calls for, and records it. Safe to run twice
 * at once (the same file, the first record wins). Returns the receipt as stored afterwards.
 */
export async function completePdf(ctx: RequestContext, start: ReceiptDoc, settings: ReceiptsSettings): Promise<ReceiptDoc> {
  let receipt = start;
  for (let round = 0; round < 2 && needsPdf(receipt); round += 1) {
    const version = wantedPdfVersion(receipt.status);
    const pdf = await renderReceiptPdf(receipt, { version, verifyUrl: settings.verifyUrl });
    const uploaded = await ctx.cloud.uploadFile({ cloudPath: receiptCloudPath(receipt, version), fileContent: pdf });
    const at = ctx.now();
    const becomesIssued = receipt.status === 'PENDING_PDF';
    const patch = {
      pdfFileID: uploaded.fileID,
      pdfBytes: pdf.length,
      pdfVersion: version,
      updatedAt: at,
      ...(becomesIssued ? { status: 'ISSUED' as const } : {}),
    };
    const updated = await receiptsOf(ctx).updateWhere({ _id: receipt._id, status: receipt.status }, patch);
    if (updated === 1) {
      const previous = receipt;
      receipt = { ...receipt, ...patch };
      if (becomesIssued) {
        ctx.log.info('receipt issued', { receiptId: receipt._id, receiptNo: receipt.receiptNo, bytes: pdf.length });
        await mailReceiptOnce(ctx, previous, pdf, settings);
      }
      continue;
    }
    // Its state moved meanwhile (voided, or completed by another call): look again.
    receipt = (await receiptsOf(ctx).findById(receipt._id)) ?? receipt;
  }
  return receipt;
}

/** Issues the receipt of one paid order. Never a second number; the document follows if it can. */
export async function issueReceipt(ctx: RequestContext, orderId: string): Promise<ReceiptIssued> {
  const settings = settingsOrFail(ctx);
  let found = await receiptsOf(ctx).findById(receiptIdOf(orderId));
  let created = false;
  if (!found) ({ receipt: found, created } = await allocate(ctx, orderId, settings));
  let receipt = found;
  if (needsPdf(receipt)) {
    try {
      receipt = await completePdf(ctx, receipt, settings);
    } catch (error) {
      ctx.log.error('receipt document failed; the sweep retries it', { receiptId: receipt._id, error });
    }
  }
  return { receiptId: receipt._id, receiptNo: receipt.receiptNo, state: stateOf(receipt.status), created };
}

/** 冲红. Idempotent; the stored document is re-made with the 已冲红 mark. */
export async function voidReceipt(ctx: RequestContext, orderId: string, reason: string) {
  const id = receiptIdOf(orderId);
  const receipts = receiptsOf(ctx);
  const receipt = await receipts.findById(id);
  if (!receipt) throw new AppError('RECEIPT_NOT_FOUND');
  if (receipt.status === 'VOIDED') return { receiptId: id, receiptNo: receipt.receiptNo, state: 'VOIDED' as const, changed: false };
  const at = ctx.now();
  const _ = commands(ctx.db);
  const updated = await receipts.updateWhere(
    { _id: id, status: _.in(['PENDING_PDF', 'ISSUED']) },
    { status: 'VOIDED', voidedAt: at, voidReason: reason, updatedAt: at },
  );
  let current = (await receipts.findById(id)) ?? receipt;
  ctx.log.info('receipt voided', { receiptId: id, receiptNo: receipt.receiptNo, changed: updated === 1 });
  try {
    current = await completePdf(ctx, current, settingsOrFail(ctx));
  } catch (error) {
    ctx.log.error('voided receipt document failed; the sweep retries it', { receiptId: id, error });
  }
  return { receiptId: id, receiptNo: current.receiptNo, state: stateOf(current.status), changed: updated === 1 };
}

const SCAN_PAGE = 100;
const MAX_SCAN = 2000;
const DEFAULT_SWEEP_LIMIT = 50;

/**
 * Receipts for paid orders that have none, then documents that are missing or stale. `limit`
 * bounds the documents made in one run (each takes a render and an upload). Paid orders are read
 * from a cursor (the paidAt before which every paid order has its receipt) minus an overlap, so a
 * run reads only recent orders and an order that keeps failing is retried until it succeeds.
 */
export async function sweepReceipts(ctx: RequestContext, limit = DEFAULT_SWEEP_LIMIT): Promise<ReceiptSweepReport> {
  const settings = settingsOrFail(ctx);
  const report: ReceiptSweepReport = { scanned: 0, issued: 0, completed: 0, failed: 0 };
  let budget = limit;
  const _ = commands(ctx.db);
  const orders = collection<OrderDoc>(ctx.db, 'orders');
  const state = await collection<SweepStateDoc>(ctx.db, 'counters').findById(SWEEP_STATE_ID);
  const cursor = state?.paidAtCursor ? new Date(state.paidAtCursor) : null;
  const since = cursor ? new Date(cursor.getTime() - settings.sweepOverlapHours * 3_600_000) : null;

  let newCursor = cursor;
  let contiguous = true;
  const attempted = new Set<string>();
  for (let offset = 0; offset < MAX_SCAN; offset += SCAN_PAGE) {
    const page = await orders.find(since ? { status: 'PAID', paidAt: _.gte(since) } : { status: 'PAID' }, {
      orderBy: [
        ['paidAt', 'asc'],
        ['_id', 'asc'],
      ],
      skip: offset,
      limit: SCAN_PAGE,
      fields: ['_id', 'paidAt'],
    });
    if (page.length === 0) break;
    report.scanned += page.length;
    const have = new Set(
      (await receiptsOf(ctx).find({ _id: _.in(page.map((order) => receiptIdOf(order._id))) }, { limit: SCAN_PAGE, fields: ['_id'] })).map((r) => r._id),
    );
    for (const order of page) {
      let done = have.has(receiptIdOf(order._id));
      if (!done && budget > 0) {
        budget -= 1;
        attempted.add(receiptIdOf(order._id));
        try {
          const result = await issueReceipt(ctx, order._id);
          if (result.created) report.issued += 1;
          if (result.state === 'PENDING') report.failed += 1;
          done = true;
        } catch (error) {
          report.failed += 1;
          ctx.log.error('sweep could not issue a receipt', { orderId: order._id, error });
        }
      }
      if (!done) contiguous = false;
      if (contiguous && order.paidAt) {
        const paidAt = new Date(order.paidAt);
        if (!newCursor || paidAt > newCursor) newCursor = paidAt;
      }
    }
    if (page.length < SCAN_PAGE || budget <= 0) {
      if (page.length === SCAN_PAGE) contiguous = false;
      break;
    }
  }

  // Documents: never made (a failure after the number), or not yet marked 已冲红.
  const stale = [
    ...(await receiptsOf(ctx).find({ status: 'PENDING_PDF' }, { orderBy: [['issuedAt', 'asc']], limit: Math.max(budget, 1) })),
    ...(await receiptsOf(ctx).find({ status: 'VOIDED', pdfVersion: _.neq('VOIDED') }, { orderBy: [['issuedAt', 'asc']], limit: Math.max(budget, 1) })),
  ];
  for (const receipt of stale) {
    if (budget <= 0) break;
    if (!needsPdf(receipt) || attempted.has(receipt._id)) continue;
    budget -= 1;
    try {
      const after = await completePdf(ctx, receipt, settings);
      if (needsPdf(after)) report.failed += 1;
      else report.completed += 1;
    } catch (error) {
      report.failed += 1;
      ctx.log.error('sweep could not make a receipt document', { receiptId: receipt._id, error });
    }
  }

  if (newCursor && (!cursor || newCursor > cursor)) {
    const at = ctx.now();
    const advanced = newCursor;
    await transaction(ctx.db, async (tx) => {
      const current = await tx.get<SweepStateDoc>('counters', SWEEP_STATE_ID);
      const kept = current?.paidAtCursor ? new Date(current.paidAtCursor) : null;
      if (!kept || advanced > kept) await tx.set<SweepStateDoc>('counters', SWEEP_STATE_ID, { paidAtCursor: advanced, updatedAt: at });
    });
  }
  ctx.log.info('receipt sweep', { ...report });
  return report;
}
