/**
 * `POST /sandbox/receipts/paid-order` — a test route (only on a server started for tests), header
 * x-wx-openid: gives the caller's WeChat account a paid order and its receipt, for the page tests
 * of 我的发票. The account is signed in as a new student the first time (body
 * `{ name?, studentNo?, email? }`); each call pays
 * for new bills (body `lines?: [{ itemCode, itemName, amount }]`, amounts in fen) through the real
 * payment flow (pay.create, the cloudPay sandbox, payNotify, which has the receipt issued), with
 * `email?` typed on 立即支付. `email: ''` writes an order without an address instead (pay.create
 * requires one, so only orders from before that rule look like it). Answers
 * `{ studentNo, orderId, receipt, verification: { receiptCode, receiptNo, checkCode } }`.
 * `{ order: false }` only signs the account in.
 */
import { collection, internalCallEvent } from '../../cloudfunctions/shared/runtime';
import type { LocalCloud } from '../cloud';
import { HttpError, type LocalCloudServer } from '../server';
import { insertPaidOrderDirectly, insertStudentWithSession, payThroughFlow, type FixtureLine, type FixtureStudent } from '../seed/paid-orders';

interface PaidOrderRequest {
  order?: unknown;
  name?: unknown;
  studentNo?: unknown;
  email?: unknown;
  lines?: unknown;
}

const optionalText = (value: unknown, field: string, max: number): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) throw new HttpError(400, 'INVALID_FIELD', `${field} 应为不超过 ${max} 个字符的文本`);
  return value.trim();
};

function parseLines(value: unknown): FixtureLine[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > 20) throw new HttpError(400, 'INVALID_LINES', 'lines 应为 1–20 项');
  return value.map((line, i) => {
    const l = (line ?? {}) as Record<string, unknown>;
    const amount = l.amount;
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) throw new HttpError(400, 'INVALID_LINES', `lines[${i}].amount 应为正整数（分）`);
    return {
      itemCode: optionalText(l.itemCode, `lines[${i}].itemCode`, 20) ?? `X${i + 1}`,
      itemName: optionalText(l.itemName, `lines[${i}].itemName`, 30) ?? '学费',
      amount,
    };
  });
}

export function installReceiptsSandbox(cloud: LocalCloud, server: LocalCloudServer | null): void {
  server?.testRoute('/sandbox/receipts/paid-order', async ({ body, openid }) => {
    if (!openid) throw new HttpError(401, 'OPENID_REQUIRED', '缺少调用者身份');
    const request = (body ?? {}) as PaidOrderRequest;
    const db = cloud.sdkDatabase();
    const at = cloud.clock.now();
    const session = await collection(db, 'sessions').findById(openid);
    const existing = session && new Date(session.expiresAt) > at ? await collection(db, 'students').findById(session.studentId) : null;
    // '' means "no email given"; otherwise an address (not checked here: the receipts function does).
    const email = request.email === '' ? '' : optionalText(request.email, 'email', 100);
    const student: FixtureStudent = existing
      ? { studentId: existing._id, openid, studentNo: existing.studentNo, name: existing.name, idMasked: existing.idMasked, email: existing.email }
      : await insertStudentWithSession(db, at, {
          openid,
          ...(optionalText(request.name, 'name', 30) ? { name: optionalText(request.name, 'name', 30) } : {}),
          ...(optionalText(request.studentNo, 'studentNo', 20) ? { studentNo: optionalText(request.studentNo, 'studentNo', 20) } : {}),
          ...(email !== undefined ? { email: email || null } : {}),
        });
    if (request.order === false) return { studentNo: student.studentNo, orderId: null, receipt: null };
    const lines = parseLines(request.lines);
    const order =
      email === ''
        ? await insertPaidOrderDirectly(db, student, at, { ...(lines ? { lines } : {}), email })
        : await payThroughFlow(cloud, student, { ...(lines ? { lines } : {}), ...(email ? { email } : {}) });
    // Issued already when paid through the flow (issuing again returns the same receipt); the
    // direct write is issued here, as the payment code does: from another function.
    const receipt = await cloud.invoke(
      'receipts',
      internalCallEvent({ caller: 'payNotify', callee: 'receipts', action: 'issue', request: { orderId: order._id }, at: cloud.clock.now() }),
      { openid, source: 'wx_paycallback,scf' },
    );
    // What is printed on it for 查验 (票据代码, 票据号码, 校验码), as a person reads it off the PDF.
    const printed = await collection(db, 'receipts').findById(order._id);
    const verification = printed ? { receiptCode: printed.receiptCode, receiptNo: printed.receiptNo, checkCode: printed.checkCode } : null;
    return { studentNo: student.studentNo, orderId: order._id, receipt, verification };
  });
}
