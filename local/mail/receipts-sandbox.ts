/**
 * `POST /sandbox/receipts/paid-order` on the local cloud (header x-wx-openid): gives the caller's
 * WeChat account a paid order and its receipt, for page tests and demos of 我的发票 while the
 * payment flow is being built. The account is signed in as a new student the first time (body
 * `{ name?, studentNo?, email? }`); each call adds one PAID order (body `lines?: [{ itemCode,
 * itemName, amount }]`, amounts in fen; `email?` for the order) and issues its receipt through the
 * receipts function, as the payment code will. Answers `{ studentNo, orderId, receipt }`.
 * `{ order: false }` only signs the account in (a student with no receipts yet).
 */
import { collection, type SessionDoc } from '../../cloudfunctions/shared/runtime';
import type { StudentDoc } from '../../cloudfunctions/shared/domain/student';
import type { LocalCloud } from '../cloud';
import { HttpError, type LocalCloudServer } from '../server';
import { insertPaidOrderDirectly, insertStudentWithSession, type FixtureLine, type FixtureStudent } from './paid-orders';

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
  server?.route('/sandbox/receipts/paid-order', async ({ body, openid }) => {
    if (!openid) throw new HttpError(401, 'OPENID_REQUIRED', '缺少调用者身份');
    const request = (body ?? {}) as PaidOrderRequest;
    const db = cloud.sdkDatabase();
    const at = cloud.clock.now();
    const session = await collection<SessionDoc>(db, 'sessions').findById(openid);
    const existing = session && new Date(session.expiresAt) > at ? await collection<StudentDoc>(db, 'students').findById(session.studentId) : null;
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
    const order = await insertPaidOrderDirectly(db, student, at, { ...(lines ? { lines } : {}), ...(email !== undefined ? { email } : {}) });
    // As the payment code will: from another function, during this account's call.
    const receipt = await cloud.invoke('receipts', { action: 'issue', orderId: order._id }, { openid, source: 'wx_client,scf' });
    return { studentNo: student.studentNo, orderId: order._id, receipt };
  });
}
