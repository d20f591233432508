/**
 * Issuing: the record with its number, then the order marked, then the document. A number is taken
 * by inserting the receipt that carries it (票据代码 + 票据号码 is unique), so a number exists only
 * on a receipt: none is burnt, none is used twice, and since each is the one after the highest
 * issued (or, after a clash, after one just taken) there is no gap. A failed render or upload
 * leaves the record in PENDING_PDF with its number; the next call, the sweep or a download
 * completes it. Nothing here sends email: `issue` runs while a payment callback waits, so the
 * email goes to the outbox that the timer sends.
 */
import { performance } from 'node:perf_hooks';
import { createHmac, randomBytes } from 'node:crypto';
import type { ReceiptIssued, ReceiptRefreshed, ReceiptState, ReceiptSweepReport, ReceiptVoided } from './contract';
import { maskReference } from '../kernel/mask';
import {
  AppError,
  collection,
  commands,
  isDuplicateKeyError,
  transaction,
  type AggregateStage,
  type BaseDoc,
  type RequestContext,
} from '../runtime';
import { linesStillPaid, receiptMarks, type OrderDoc } from '../billing';
import { sumFen } from '../kernel/money';
import {
  deriveCheckCode,
  needsPdf,
  newReceipt,
  receiptCloudPath,
  receiptCounterId,
  receiptIdOf,
  wantedPdfVersion,
  type CheckCodeFields,
  type ReceiptDoc,
  type ReceiptPayer,
  type ReceiptStatus,
} from './domain/receipt';
import { renderReceiptPdf } from './pdf';
import { readReceiptsSettings, type ReceiptsSettings } from './settings';
import { issuedEmailMessage, queueIssuedEmail, sendDueReceiptEmails } from './mailing';

/** counters/{name}: the last receipt number issued under a 票据代码 (never lower than any issued). */
export interface SequenceCounterDoc extends BaseDoc {
  value: number;
  updatedAt: Date;
}

export interface ReceiptSweepCursorDoc extends BaseDoc {
  /**
   * Where the next run goes on among paid orders without a receipt (by _id), so orders that keep
   * failing cannot hold back the ones after them; '' starts from the first.
   */
  afterOrderId: string;
  updatedAt: Date;
}

export const SWEEP_STATE_ID = 'receipt-sweep';
/**
 * How long one call keeps trying for a number while other receipts take the ones it tried (many
 * payments at the same moment); past it the call fails and the sweep issues the receipt.
 */
const NUMBERING_BUDGET_MS = 20_000;
/** The longest first pause after a clash over a number (doubled after each further clash, up to 32 times). */
const CLASH_PAUSE_MS = 2;
/** The reason recorded when the sweep voids the receipt of a refunded order. */
export const REFUNDED_VOID_REASON = '订单已退款';
/** The reason recorded when part of an order was refunded and its receipt is issued anew for the rest. */
export const PARTLY_REFUNDED_VOID_REASON = '部分退款，已为仍缴费用重开票据';

export const receiptsOf = (ctx: Pick<RequestContext, 'db'>) => collection(ctx.db, 'receipts');

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

/** The 校验码 of a receipt with this key, by the receipt's own scheme (so older receipts keep theirs). */
export function checkCodeOf(secret: string, fields: CheckCodeFields): string {
  return deriveCheckCode(fields, (text) => createHmac('sha256', secret).update(text).digest());
}

/** 128 random bits for the document's cloud path. */
const newStorageKey = (): string => randomBytes(16).toString('hex');

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What issuing reads with the order, in the same request. */
interface IssuingJoins {
  /** The student record as printed on the receipt; empty when the record is missing. */
  payer: ReceiptPayer[];
  /** The highest number issued under the 票据代码, if any. */
  lastIssued: Pick<ReceiptDoc, 'sequence'>[];
  counter: Pick<SequenceCounterDoc, 'value'>[];
}

/**
 * Lookups by equality on an index: the student by _id; the last number by 票据代码 + 票据号码 (the
 * unique index, read backwards); the counter by _id. Only the printed fields of the student leave the database.
 */
function issuingJoins(receiptCode: string, counterId: string): AggregateStage[] {
  return [
    { lookup: { from: 'students', localField: 'studentId', foreignField: '_id', as: 'payer' } },
    { lookup: { from: 'receipts', pipeline: [{ $match: { receiptCode } }, { $sort: { receiptNo: -1 } }, { $limit: 1 }, { $project: { _id: 0, sequence: 1 } }], as: 'lastIssued' } },
    { lookup: { from: 'counters', pipeline: [{ $match: { _id: counterId } }, { $project: { _id: 0, value: 1 } }], as: 'counter' } },
    { addFields: { payer: { $map: { input: '$payer', as: 'student', in: { name: '$$student.name', studentNo: '$$student.studentNo', idMasked: '$$student.idMasked' } } } } },
  ];
}

/** The highest number issued under the 票据代码 (0 before the first). */
async function lastSequence(ctx: RequestContext, receiptCode: string): Promise<number> {
  const [last] = await receiptsOf(ctx).find({ receiptCode }, { orderBy: [['receiptNo', 'desc']], limit: 1, fields: ['sequence'] });
  return last?.sequence ?? 0;
}

/** counters/{id} follows the highest number issued: only ever raised, whatever order the calls finish in. */
async function recordLastNumber(ctx: RequestContext, counterId: string, known: boolean, sequence: number, at: Date): Promise<void> {
  const counters = collection(ctx.db, 'counters');
  const raise = () => counters.updateWhere({ _id: counterId, value: commands(ctx.db).lt(sequence) }, { value: sequence, updatedAt: at });
  if (known) {
    await raise();
    return;
  }
  try {
    await counters.insert({ _id: counterId, value: sequence, updatedAt: at });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    await raise();
  }
}

/**
 * Number + record (+ the email queued, + the order marked). The order, its payer and the last
 * number come in one read; the receipt's insert is what takes the number. The order's mark tells
 * whether its receipt may exist, so the receipt itself is read only then, or when the insert
 * clashes with one another call made. A refund that voided the order between the read and the
 * mark wins: the receipt just made is voided at once (its number stays taken, by a 冲红 receipt).
 */
async function allocate(ctx: RequestContext, orderId: string, settings: ReceiptsSettings): Promise<{ receipt: ReceiptDoc; created: boolean }> {
  const key = settings.checkKey;
  if (!key) {
    ctx.log.error('RECEIPT_CHECK_SECRET is not set: no receipt can be issued');
    throw new AppError('UNAVAILABLE', '票据服务未正确配置，请稍后再试');
  }
  const { receiptCode } = settings.issuer;
  const counterId = receiptCounterId(receiptCode);
  const found = await receiptMarks.findJoined<IssuingJoins>(ctx.db, orderId, issuingJoins(receiptCode, counterId));
  if (!found) throw new AppError('NOT_FOUND', '订单不存在');
  const { payer: payers, lastIssued, counter, ...order } = found;
  const edition = order.receiptEdition ?? 1;
  const id = receiptIdOf(orderId, edition);
  const outdated = order.receiptState === 'OUTDATED';
  // Part of the order was refunded: the receipts of earlier editions are voided before the next.
  if (outdated && order.status === 'PAID') await voidEarlierEditions(ctx, orderId, edition);
  if (order.receiptState) {
    const existing = await receiptsOf(ctx).findById(id);
    if (existing) {
      // Issued by a call that stopped before marking it.
      if (outdated) await receiptMarks.setReissued(ctx.db, orderId, edition);
      return { receipt: existing, created: false };
    }
  }
  // Voided before it was issued (a refund overtook the payment's follow-up): never issued.
  if (order.receiptState === 'VOIDED') throw new AppError('RECEIPT_ORDER_REFUNDED');
  if (order.status !== 'PAID') throw new AppError(order.status === 'REFUNDING' || order.status === 'REFUNDED' ? 'RECEIPT_ORDER_REFUNDED' : 'RECEIPT_ORDER_NOT_PAID');
  const student = payers[0];
  if (!student) throw new Error(`order ${orderId}: its student record is missing`);
  const payer: ReceiptPayer = { name: student.name, studentNo: student.studentNo, idMasked: student.idMasked ?? '' };

  // What remains paid: all of it, unless 计划财务处 refunded some of its bills.
  const lines = linesStillPaid(order);
  const paidPart: OrderDoc = { ...order, lines, total: sumFen(lines.map((line) => line.amount)) };
  const receipt = await insertNumbered(ctx, paidPart, payer, settings, (lastIssued[0]?.sequence ?? 0) + 1, edition);
  if (!receipt.created) return receipt;
  const at = receipt.receipt.issuedAt;
  await recordLastNumber(ctx, counterId, counter.length > 0, receipt.receipt.sequence, at);
  await queueIssuedEmail(ctx, issuedEmailMessage(receipt.receipt, at, settings));
  if (outdated) {
    // A later refund may have outdated this edition meanwhile: the next refresh (billing's, or the
    // sweep's) voids it and issues the one after.
    if (!(await receiptMarks.setReissued(ctx.db, orderId, edition))) ctx.log.warn('receipt outdated again while it was issued', { orderId, edition });
    return receipt;
  }
  // The sweep looks only at paid orders without this mark, so it never rereads issued ones.
  if (!(await receiptMarks.setIfUnmarked(ctx.db, orderId, 'ISSUED'))) {
    const mark = (await receiptMarks.find(ctx.db, orderId))?.receiptState;
    if (mark === 'VOIDED') {
      ctx.log.warn('order voided while its receipt was being issued: the receipt is voided', { orderId, receiptNo: receipt.receipt.receiptNo });
      await voidReceipt(ctx, orderId, REFUNDED_VOID_REASON);
      throw new AppError('RECEIPT_ORDER_REFUNDED');
    }
    if (mark === 'OUTDATED') ctx.log.warn('part of the order was refunded while its receipt was issued: the next refresh issues it anew', { orderId });
  }
  return receipt;
}

/** Voids the order's receipts of editions before `edition` (a partial refund outdated them). */
async function voidEarlierEditions(ctx: RequestContext, orderId: string, edition: number): Promise<void> {
  const _ = commands(ctx.db);
  const earlier = await receiptsOf(ctx).find({ orderId, status: _.neq('VOIDED') }, { limit: 100 });
  for (const receipt of earlier.filter((r) => (r.edition ?? 1) < edition)) await voidOne(ctx, receipt, PARTLY_REFUNDED_VOID_REASON);
}

/** 冲红 of one receipt (idempotent), and its document re-made with the mark. Returns it as stored afterwards. */
async function voidOne(ctx: RequestContext, receipt: ReceiptDoc, reason: string): Promise<{ receipt: ReceiptDoc; changed: boolean }> {
  const _ = commands(ctx.db);
  const receipts = receiptsOf(ctx);
  const at = ctx.now();
  const updated = await receipts.updateWhere({ _id: receipt._id, status: _.in(['PENDING_PDF', 'ISSUED']) }, { status: 'VOIDED', voidedAt: at, voidReason: reason, updatedAt: at });
  let current = (await receipts.findById(receipt._id)) ?? receipt;
  ctx.log.info('receipt voided', { receiptId: receipt._id, receiptNo: receipt.receiptNo, changed: updated === 1 });
  try {
    current = await completePdf(ctx, current, settingsOrFail(ctx));
  } catch (error) {
    ctx.log.error('voided receipt document failed; the sweep retries it', { receiptId: receipt._id, error });
  }
  return { receipt: current, changed: updated === 1 };
}

/**
 * After a refund of (part of) the order was confirmed: refunded in full, its receipts are voided;
 * refunded in part, its receipt is voided and the next edition issued for what remains paid (the
 * next free number). Idempotent; the receipts timer does the same for any order it finds outdated.
 */
export async function refreshReceipt(ctx: RequestContext, orderId: string): Promise<ReceiptRefreshed> {
  const order = await receiptMarks.find(ctx.db, orderId);
  if (!order) throw new AppError('RECEIPT_NOT_FOUND');
  if (order.status === 'REFUNDING' || order.status === 'REFUNDED') {
    const voided = await voidReceipt(ctx, orderId, REFUNDED_VOID_REASON);
    return { voided: voided.changed, issued: null };
  }
  if (order.receiptState !== 'OUTDATED') return { voided: false, issued: null };
  const issued = await issueReceipt(ctx, orderId);
  return { voided: true, issued };
}

/**
 * Inserts the order's receipt with the first free number from `first` on. A clash is either this
 * order's receipt made by another call (returned as it is) or the number taken by another receipt:
 * every number up to the one taken is in use, so the one after it is still the lowest free one.
 */
async function insertNumbered(
  ctx: RequestContext,
  order: OrderDoc,
  payer: ReceiptPayer,
  settings: ReceiptsSettings,
  first: number,
  edition: number,
): Promise<{ receipt: ReceiptDoc; created: boolean }> {
  const key = settings.checkKey!;
  const id = receiptIdOf(order._id, edition);
  const giveUpAt = performance.now() + NUMBERING_BUDGET_MS;
  let sequence = first;
  for (let clashes = 0; ; clashes += 1) {
    const at = ctx.now();
    const fields = newReceipt({
      order,
      payer,
      settings: settings.issuer,
      sequence,
      checkCode: '',
      checkKeyId: key.id,
      storageKey: newStorageKey(),
      transactionIdMasked: order.transactionId ? maskReference(order.transactionId) : '',
      at,
    });
    fields.checkCode = checkCodeOf(key.secret, fields);
    const receipt: ReceiptDoc = { _id: id, ...fields, ...(edition > 1 ? { edition } : {}) };
    try {
      await receiptsOf(ctx).insert(receipt);
      return { receipt, created: true };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      if (performance.now() >= giveUpAt) throw error;
    }
    // Now and then (and at the first clash): whether another call made this order's receipt (then
    // no insert of this one can succeed, receipts are never removed), and the last number, in case
    // several were issued meanwhile.
    if (clashes % 4 === 0) {
      const made = await receiptsOf(ctx).findById(id);
      if (made) return { receipt: made, created: false };
    }
    sequence = clashes % 4 === 3 ? (await lastSequence(ctx, settings.issuer.receiptCode)) + 1 : sequence + 1;
    // Calls that clashed spread out, more the more they clash, so that each round has fewer of them.
    await pause(Math.random() * CLASH_PAUSE_MS * 2 ** Math.min(clashes, 5));
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
    const storageKey = receipt.storageKey || newStorageKey();
    const pdf = await renderReceiptPdf(receipt, {
      version,
      verifyUrl: settings.verifyUrl,
      verifyAppId: settings.verifyAppId,
      onMissingGlyphs: (codePoints) =>
        ctx.log.warn('receipt text has characters the font lacks; printed as code points', { receiptId: receipt._id, codePoints }),
    });
    const uploaded = await ctx.cloud.uploadFile({ cloudPath: receiptCloudPath({ ...receipt, storageKey }, version), fileContent: pdf });
    const at = ctx.now();
    const becomesIssued = receipt.status === 'PENDING_PDF';
    const patch = {
      pdfFileID: uploaded.fileID,
      pdfBytes: pdf.length,
      pdfVersion: version,
      storageKey,
      updatedAt: at,
      ...(becomesIssued ? { status: 'ISSUED' as const } : {}),
    };
    const updated = await receiptsOf(ctx).updateWhere({ _id: receipt._id, status: receipt.status }, patch);
    if (updated === 1) {
      receipt = { ...receipt, ...patch };
      if (becomesIssued) ctx.log.info('receipt issued', { receiptId: receipt._id, receiptNo: receipt.receiptNo, bytes: pdf.length });
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
  const allocated = await allocate(ctx, orderId, settings);
  const { created } = allocated;
  let receipt = allocated.receipt;
  if (needsPdf(receipt)) {
    try {
      receipt = await completePdf(ctx, receipt, settings);
    } catch (error) {
      ctx.log.error('receipt document failed; the sweep retries it', { receiptId: receipt._id, error });
    }
  }
  return { receiptId: receipt._id, receiptNo: receipt.receiptNo, state: stateOf(receipt.status), created };
}

/**
 * 冲红. Idempotent; the stored document is re-made with the 已冲红 mark. Before the receipt exists
 * the void is remembered on the order (`receiptState: 'VOIDED'`), which issuing refuses; a receipt
 * that exists (made just before, or made meanwhile by an issue that read the order first) is voided.
 */
export async function voidReceipt(ctx: RequestContext, orderId: string, reason: string): Promise<ReceiptVoided> {
  const id = receiptIdOf(orderId);
  const receipts = receiptsOf(ctx);
  const _ = commands(ctx.db);
  const later = await receipts.find({ orderId, edition: _.gt(1) }, { orderBy: [['edition', 'desc']], limit: 100 });
  if (later.length > 0) {
    // Issued anew after a partial refund: every edition still standing is voided.
    let changed = false;
    for (const edition of await receipts.find({ orderId, status: _.neq('VOIDED') }, { limit: 100 })) changed = (await voidOne(ctx, edition, reason)).changed || changed;
    await receiptMarks.setVoided(ctx.db, orderId);
    const latest = (await receipts.findById(later[0]!._id)) ?? later[0]!;
    return { receiptId: latest._id, receiptNo: latest.receiptNo, state: stateOf(latest.status), changed };
  }
  let receipt = await receipts.findById(id);
  if (!receipt) {
    const order = await receiptMarks.find(ctx.db, orderId);
    if (!order) throw new AppError('RECEIPT_NOT_FOUND');
    let mark = order.receiptState;
    let markedNow = false;
    if (!mark) {
      // Conditional on the order having no mark: issuing sets ISSUED once its receipt exists, so
      // exactly one of the two wins, and the other sees the winner's mark.
      markedNow = await receiptMarks.setIfUnmarked(ctx.db, orderId, 'VOIDED');
      mark = markedNow ? 'VOIDED' : (await receiptMarks.find(ctx.db, orderId))?.receiptState;
    }
    // An issue that read the order before this mark may have made its receipt meanwhile.
    receipt = await receipts.findById(id);
    if (!receipt) {
      if (markedNow) {
        ctx.log.info('receipt voided before it was issued: none will be', { orderId });
        return { receiptId: id, receiptNo: null, state: 'VOIDED', changed: true };
      }
      if (mark === 'VOIDED') return { receiptId: id, receiptNo: null, state: 'VOIDED', changed: false };
      throw new Error(`order ${orderId} is marked ${String(mark)} but has no receipt`);
    }
  }
  if (receipt.status === 'VOIDED') {
    await receiptMarks.setVoided(ctx.db, orderId);
    return { receiptId: id, receiptNo: receipt.receiptNo, state: 'VOIDED', changed: false };
  }
  const at = ctx.now();
  const updated = await receipts.updateWhere(
    { _id: id, status: _.in(['PENDING_PDF', 'ISSUED']) },
    { status: 'VOIDED', voidedAt: at, voidReason: reason, updatedAt: at },
  );
  await receiptMarks.setVoided(ctx.db, orderId);
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
/** Paid orders without a receipt looked at in one run, at most. */
const MAX_SCAN = 2000;
const DEFAULT_SWEEP_LIMIT = 50;
/** A receipt found without its order's mark this soon after it was made may still lack its queued email. */
const UNMARKED_EMAIL_WINDOW_MS = 24 * 3600_000;
/**
 * What the timer (and paymentsSweep) runs: receipts for paid orders that have none, 冲红 for receipts whose
 * order was refunded, documents that are missing or stale, then the queued emails. `limit` bounds
 * the documents made in one run (each takes a render and an upload).
 *
 * Paid orders without a receipt are found by their mark (`receiptState` absent), in pages by _id,
 * so issued orders are never read again however many there are; the run resumes after the last
 * order it looked at, so orders that keep failing cannot hold back the ones after them.
 */
export async function sweepReceipts(ctx: RequestContext, limit = DEFAULT_SWEEP_LIMIT): Promise<ReceiptSweepReport> {
  const settings = settingsOrFail(ctx);
  const report: ReceiptSweepReport = { scanned: 0, issued: 0, completed: 0, voided: 0, emailed: 0, failed: 0 };
  let budget = limit;
  const _ = commands(ctx.db);
  const state = await collection(ctx.db, 'sweepCursors').findById(SWEEP_STATE_ID);
  const startAfter = typeof state?.afterOrderId === 'string' ? state.afterOrderId : '';

  // 1. Paid orders without a receipt.
  const attempted = new Set<string>();
  let after = startAfter;
  let reachedEnd = false;
  while (report.scanned < MAX_SCAN && budget > 0) {
    const page = await receiptMarks.paidUnmarked(ctx.db, after, SCAN_PAGE);
    if (page.length === 0) {
      reachedEnd = true;
      break;
    }
    // Orders with a receipt but no mark: their issue stopped between the two (or the receipt
    // predates the mark). They are marked; a recent one also gets the automatic email its issue
    // may not have queued (queued at most once: the message's key).
    const have = await receiptsOf(ctx).find({ _id: _.in(page.map((order) => receiptIdOf(order._id))) }, { limit: SCAN_PAGE });
    for (const receipt of have) {
      const at = ctx.now();
      if (receipt.status !== 'VOIDED' && at.getTime() - new Date(receipt.issuedAt).getTime() < UNMARKED_EMAIL_WINDOW_MS) {
        await queueIssuedEmail(ctx, issuedEmailMessage(receipt, at, settings));
      }
      await receiptMarks.setIfUnmarked(ctx.db, receipt._id, receipt.status === 'VOIDED' ? 'VOIDED' : 'ISSUED');
    }
    const receipted = new Set(have.map((receipt) => receipt._id));
    for (const order of page) {
      if (budget <= 0) break;
      report.scanned += 1;
      after = order._id;
      if (receipted.has(receiptIdOf(order._id))) continue;
      budget -= 1;
      attempted.add(receiptIdOf(order._id));
      try {
        const result = await issueReceipt(ctx, order._id);
        if (result.created) report.issued += 1;
        if (result.state === 'PENDING') report.failed += 1;
      } catch (error) {
        report.failed += 1;
        ctx.log.error('sweep could not issue a receipt', { orderId: order._id, error });
      }
    }
    if (page.length < SCAN_PAGE && after === page[page.length - 1]!._id) {
      reachedEnd = true;
      break;
    }
  }
  // From the first again once the end is reached (and so new orders with smaller ids are seen).
  const nextAfter = reachedEnd ? '' : after;
  if (nextAfter !== startAfter) {
    const at = ctx.now();
    await transaction(ctx.db, async (tx) => tx.set('sweepCursors', SWEEP_STATE_ID, { afterOrderId: nextAfter, updatedAt: at }));
  }

  // 2. 冲红 for receipts whose order is being or was refunded (a refund that raced the issue).
  const refunded = await receiptMarks.refundedIssued(ctx.db, SCAN_PAGE);
  for (const order of refunded) {
    if (budget <= 0) break;
    budget -= 1;
    attempted.add(receiptIdOf(order._id));
    try {
      const result = await voidReceipt(ctx, order._id, REFUNDED_VOID_REASON);
      if (result.changed) report.voided += 1;
    } catch (error) {
      report.failed += 1;
      ctx.log.error('sweep could not void the receipt of a refunded order', { orderId: order._id, error });
    }
  }

  // 2b. Orders refunded in part whose receipt was not issued anew yet (the refund's own call failed).
  for (const order of await receiptMarks.outdated(ctx.db, SCAN_PAGE)) {
    if (budget <= 0) break;
    budget -= 1;
    try {
      const result = await refreshReceipt(ctx, order._id);
      if (result.voided) report.voided += 1;
      if (result.issued?.created) report.issued += 1;
    } catch (error) {
      report.failed += 1;
      ctx.log.error('sweep could not issue the receipt of a partly refunded order anew', { orderId: order._id, error });
    }
  }

  // 3. Documents: never made (a failure after the number), or not yet marked 已冲红.
  const pending = await receiptsOf(ctx).find({ status: 'PENDING_PDF' }, { orderBy: [['issuedAt', 'asc']], limit: Math.max(budget, 1) });
  const stale = [...pending, ...(await receiptsOf(ctx).find({ status: 'VOIDED', pdfVersion: _.neq('VOIDED') }, { orderBy: [['issuedAt', 'asc']], limit: Math.max(budget, 1) }))];
  // A pending receipt of an order voided meanwhile (its issue stopped before voiding it) is voided, not completed.
  const voidedOrders = new Set(
    pending.length === 0 ? [] : (await receiptMarks.marksOf(ctx.db, pending.map((receipt) => receipt.orderId))).filter((order) => order.receiptState === 'VOIDED').map((order) => order._id),
  );
  for (const receipt of stale) {
    if (budget <= 0) break;
    if (!needsPdf(receipt) || attempted.has(receipt._id)) continue;
    budget -= 1;
    try {
      if (receipt.status === 'PENDING_PDF' && voidedOrders.has(receipt.orderId)) {
        const result = await voidReceipt(ctx, receipt.orderId, REFUNDED_VOID_REASON);
        if (result.changed) report.voided += 1;
        continue;
      }
      const done = await completePdf(ctx, receipt, settings);
      if (needsPdf(done)) report.failed += 1;
      else report.completed += 1;
    } catch (error) {
      report.failed += 1;
      ctx.log.error('sweep could not make a receipt document', { receiptId: receipt._id, error });
    }
  }

  // 4. The outbox: emails queued when receipts were issued, and earlier failures that are due.
  const mail = await sendDueReceiptEmails(ctx, settings);
  report.emailed += mail.sent;
  report.failed += mail.failed;

  ctx.log.info('receipt sweep', { ...report });
  return report;
}
