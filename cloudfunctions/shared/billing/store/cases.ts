/**
 * Writes to review cases (待核实) and to the per-day reconciliation records. A case is opened once
 * (its `_id` names its subject: opening it again is a no-op) and resolved once (a conditional update
 * from OPEN through the status table); a statement difference still there after its case was
 * resolved opens a follow-up case. A reconciled day is replaced by each later reconciliation, but
 * never by an attempt that could not finish. A payment case closed while its order is still open
 * and set aside closes that order with it, in the same transaction, so its bills are not left 缴费中.
 */
import { collection, commands, isDuplicateKeyError, transaction, type Database, type DocumentBody, type Transaction } from '../../runtime';
import { billStatusChange, nextCheck, orderStatusChange } from '../domain/billing';
import { closingEndsOrder, refundCaseId, resolvedCase, SYSTEM_STAFF } from '../domain/review-cases';
import type { BillDoc, OrderCloseReason, OrderDoc, ReconciliationDoc, RefundDoc, ReviewCaseDecision, ReviewCaseDoc, WxCloseState } from '../domain/records';

/** The cases a statement difference may be held by: the case of the order it set aside, if any, and its own. */
export interface DifferenceCases {
  orderCase: ReviewCaseDoc | null;
  own: ReviewCaseDoc;
}

/** The n-th case of one difference of one day (the first is the difference's own id). */
const followUpCaseId = (firstId: string, n: number): string => (n === 1 ? firstId : `${firstId}:${n}`);

/** Why a case cannot take a refund request (or a decision about its refund) now. */
export type CaseRefusal = 'NOT_FOUND' | 'RESOLVED' | 'AWAITING_REFUND' | 'NOT_FITTING';

export class CaseRefusedError extends Error {
  constructor(readonly refusal: CaseRefusal) {
    super(`review case refused: ${refusal}`);
    this.name = 'CaseRefusedError';
  }
}

/** Inside a transaction: opens the case unless it exists (a transaction must not fail on a duplicate). */
export async function openCaseIn(tx: Transaction, doc: ReviewCaseDoc): Promise<void> {
  if (!(await tx.get('reviewCases', doc._id))) await tx.insert('reviewCases', doc);
}

/** Inside a transaction: the case a refund request is being asked for from, refused unless it is open and free. */
export async function caseTakingRefundIn(tx: Transaction, caseId: string): Promise<ReviewCaseDoc> {
  const found = await tx.get('reviewCases', caseId);
  if (!found) throw new CaseRefusedError('NOT_FOUND');
  if (found.status !== 'OPEN') throw new CaseRefusedError('RESOLVED');
  if (found.awaitingRefundId) throw new CaseRefusedError('AWAITING_REFUND');
  return found;
}

/** A case's record before and after a change, for the audit log. */
export interface CaseChange {
  before: ReviewCaseDoc;
  after: ReviewCaseDoc;
}

/** A payment case closed with its order: each record before and after, for the audit log. */
export interface CaseClosedWithOrder {
  caseChange: CaseChange;
  order: { before: OrderDoc; after: OrderDoc };
  /** The bills released to 待缴费, as they were before. */
  releasedBills: BillDoc[];
}

/**
 * Inside a transaction deciding a refund asked for from a case: approved, the case is resolved by
 * the refund; rejected, it is free to be decided again. Null when the refund is not the one the case
 * waits for (or there is no such case).
 */
export async function settleCaseRefundIn(
  tx: Transaction,
  caseId: string,
  refundId: string,
  outcome: { approved: true; decision: ReviewCaseDecision } | { approved: false },
  at: Date,
): Promise<CaseChange | null> {
  const before = await tx.get('reviewCases', caseId);
  if (!before || before.status !== 'OPEN' || before.awaitingRefundId !== refundId) return null;
  const fields = outcome.approved ? resolvedCase(outcome.decision, at) : { awaitingRefundId: null, updatedAt: at };
  await tx.update('reviewCases', caseId, fields);
  return { before, after: { ...before, ...fields } };
}

/** Inside a transaction: resolves the case if it is open, returning the change (null when it was not). */
async function resolveOpenCaseIn(tx: Transaction, caseId: string, decision: ReviewCaseDecision, at: Date, onlyIfAwaiting?: string): Promise<CaseChange | null> {
  const before = await tx.get('reviewCases', caseId);
  if (!before || before.status !== 'OPEN') return null;
  if (onlyIfAwaiting !== undefined && before.awaitingRefundId !== onlyIfAwaiting) return null;
  const fields = resolvedCase(decision, at);
  await tx.update('reviewCases', caseId, fields);
  return { before, after: { ...before, ...fields } };
}

/**
 * Inside the transaction that records how a refund ended at WeChat: the cases about it are settled
 * with it, so none keeps offering what would pay the student twice. REFUNDED: its own 退款失败 case
 * (open since it went to a person) is resolved as completed by WeChat, and a case that waits for it
 * (it was asked for again from that case) is resolved by it. FAILED: a case that waits for it is
 * resolved as failed again; the refund's own case, opened with it, takes over.
 */
export async function settleCasesOfRefundIn(tx: Transaction, refund: RefundDoc, outcome: 'REFUNDED' | 'FAILED', at: Date): Promise<CaseChange[]> {
  const changes: CaseChange[] = [];
  const waitingCaseId = refund.request?.caseId;
  if (outcome === 'REFUNDED') {
    const own = await resolveOpenCaseIn(
      tx,
      refundCaseId(refund.outRefundNo),
      { action: 'WECHAT_REFUNDED', by: SYSTEM_STAFF, reason: '微信支付已完成该退款（退款成功），不需要再人工退款', refundId: refund._id, at },
      at,
    );
    if (own) changes.push(own);
    if (waitingCaseId && refund.request) {
      const decision: ReviewCaseDecision = { action: 'REFUND', by: refund.decision?.by ?? SYSTEM_STAFF, requestedBy: refund.request.by, reason: refund.request.reason, refundId: refund._id, at };
      const waiting = await resolveOpenCaseIn(tx, waitingCaseId, decision, at, refund._id);
      if (waiting) changes.push(waiting);
    }
  } else if (waitingCaseId) {
    const decision: ReviewCaseDecision = {
      action: 'RETRY_FAILED',
      by: SYSTEM_STAFF,
      reason: `重新申请的退款 ${refund.outRefundNo} 也未成功，由待核实事项 ${refundCaseId(refund.outRefundNo)} 继续处理`,
      refundId: refund._id,
      at,
    };
    const waiting = await resolveOpenCaseIn(tx, waitingCaseId, decision, at, refund._id);
    if (waiting) changes.push(waiting);
  }
  return changes;
}

export function caseWrites(db: Database) {
  const cases = collection(db, 'reviewCases');
  const days = collection(db, 'reconciliations');
  const _ = commands(db);

  /** Opens the case; false when it was opened before (whatever became of it). */
  const openCase = async (doc: ReviewCaseDoc): Promise<boolean> => {
    try {
      await cases.insert(doc);
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  };

  return {
    openCase,

    /** Opens every case not opened before (read first: a reconciliation run again finds them all there). Returns how many it opened. */
    async openCases(docs: readonly ReviewCaseDoc[]): Promise<number> {
      let opened = 0;
      for (let i = 0; i < docs.length; i += 500) {
        const chunk = docs.slice(i, i + 500);
        const existing = new Set((await cases.find({ _id: _.in(chunk.map((doc) => doc._id)) }, { limit: chunk.length, fields: ['_id'] })).map((doc) => doc._id));
        for (const doc of chunk.filter((one) => !existing.has(one._id))) {
          if (await openCase(doc)) opened += 1;
        }
      }
      return opened;
    },

    /**
     * The case that holds each difference of a day's statement, opened where needed; the case ids in
     * the order given. A difference about an order set aside is held by that order's case while the
     * case is open (opening it if it is missing). Otherwise it is held by its own case, the first of
     * its day and subject that is not resolved: once a case is resolved (closed, confirmed, refunded),
     * a difference the statement still shows is a matter to look at again, so it opens the next case
     * (`<id>:2`, `:3` …) and is never attached to a decided one.
     */
    async holdDifferences(billDate: string, wanted: readonly DifferenceCases[]): Promise<string[]> {
      const orderCaseIds = [...new Set(wanted.flatMap((one) => (one.orderCase ? [one.orderCase._id] : [])))];
      const [orderCases, dayCases] = await Promise.all([
        orderCaseIds.length === 0 ? Promise.resolve([]) : cases.find({ _id: _.in(orderCaseIds) }, { limit: orderCaseIds.length, fields: ['_id', 'status'] }),
        cases.findAll({ kind: 'RECONCILIATION', billDate }, { fields: ['_id', 'status'] }),
      ]);
      const statusOf = new Map<string, ReviewCaseDoc['status']>([...orderCases, ...dayCases].map((doc) => [doc._id, doc.status]));
      // Opened now, or by a run at the same moment (a duplicate): either way it is there and open.
      const holdIn = async (doc: ReviewCaseDoc): Promise<string> => {
        if (!statusOf.has(doc._id)) {
          await openCase(doc);
          statusOf.set(doc._id, 'OPEN');
        }
        return doc._id;
      };
      const held: string[] = [];
      for (const { orderCase, own } of wanted) {
        if (orderCase && statusOf.get(orderCase._id) !== 'RESOLVED') {
          held.push(await holdIn(orderCase));
          continue;
        }
        let n = 1;
        while (statusOf.get(followUpCaseId(own._id, n)) === 'RESOLVED') n += 1;
        held.push(await holdIn({ ...own, _id: followUpCaseId(own._id, n) }));
      }
      return held;
    },

    /**
     * OPEN → RESOLVED with the decision, only if it is still open and waits for no refund request:
     * of two decisions at once, one wins. False when it was not open (or is waiting) any more.
     */
    async resolveCase(caseId: string, decision: ReviewCaseDecision, at: Date): Promise<boolean> {
      return (await cases.updateWhere({ _id: caseId, status: 'OPEN', awaitingRefundId: null }, resolvedCase(decision, at))) === 1;
    },

    /**
     * Closes a payment case and the open order it set aside, at once: the case OPEN → RESOLVED with
     * the decision, the order PENDING → CLOSED and no longer set aside (`wxClose` NEEDED: the timer
     * closes it at WeChat once WeChat allows), its bills 缴费中 → 待缴费. Null when the case is no
     * longer open and free (another decision won); refused NOT_FITTING when the order is no longer
     * open and set aside (it changed since WeChat was asked).
     */
    closeCaseWithOrder(
      caseId: string,
      orderId: string,
      decision: ReviewCaseDecision,
      close: { reason: OrderCloseReason; wxClose: WxCloseState },
      at: Date,
    ): Promise<CaseClosedWithOrder | null> {
      return transaction(db, async (tx): Promise<CaseClosedWithOrder | null> => {
        const before = await tx.get('reviewCases', caseId);
        if (!before || before.status !== 'OPEN' || before.awaitingRefundId) return null;
        const order = await tx.get('orders', orderId);
        if (!order || (before.orderId ?? before.outTradeNo) !== order._id || !closingEndsOrder(before, order)) throw new CaseRefusedError('NOT_FITTING');
        const orderFields = {
          ...orderStatusChange('PENDING', 'CLOSED').set,
          closeReason: close.reason,
          closedAt: at,
          wxClose: close.wxClose,
          review: null,
          nextCheckAt: close.wxClose === 'NEEDED' ? nextCheck.wechatClose(order, at) : nextCheck.never(),
          checkAttempts: 0,
          updatedAt: at,
        };
        await tx.update('orders', order._id, orderFields);
        const release = billStatusChange('PAYING', 'UNPAID');
        const releasedBills: BillDoc[] = [];
        for (const id of order.billIds) {
          const bill = await tx.get('bills', id);
          if (bill && bill.orderId === order._id && release.froms.includes(bill.status)) {
            await tx.update('bills', id, { ...release.set, orderId: null, updatedAt: at });
            releasedBills.push(bill);
          }
        }
        const caseFields = resolvedCase(decision, at);
        await tx.update('reviewCases', caseId, caseFields);
        return { caseChange: { before, after: { ...before, ...caseFields } }, order: { before: order, after: { ...order, ...orderFields } }, releasedBills };
      });
    },

    /** Records a day's reconciliation: a finished one replaces what was there; an unfinished one never replaces a finished one. */
    async saveReconciliation(day: ReconciliationDoc): Promise<void> {
      const { _id, ...body } = day;
      if (day.done) {
        await days.setById(_id, body as DocumentBody<ReconciliationDoc>);
        return;
      }
      if ((await days.updateWhere({ _id, done: false }, body)) === 1) return;
      try {
        await days.insert(day);
      } catch (error) {
        // Done meanwhile (or before): that result stands.
        if (!isDuplicateKeyError(error)) throw error;
      }
    },
  };
}
