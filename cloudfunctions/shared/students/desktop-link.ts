/**
 * The learning platform's one-time QR link (domain/desktop-link.ts): the login page sends what
 * WeChat opened it with, and learns whose account to fill in and that the platform verified the
 * face. Nothing else changes: the password is still asked for, and the sign-in that follows is the
 * ordinary one.
 *
 * The redeemed link grants nothing and is not remembered against this WeChat account. Whoever
 * scans the screen gets the same answer, a passer-by with a phone as well as the student, so a
 * mark saying "face verified" would vouch for the phone that scanned, which no one verified.
 */
import { AppError, collection, commands, isDuplicateKeyError, type Database, type RequestContext } from '../runtime';
import { readKeyRing, type KeyRing } from '../runtime/key-ring';
import { variableSpec, type VariableName } from '../runtime/environment';
import { checkDesktopLink, parseDesktopLink, type DesktopLinkProblem } from './domain/desktop-link';
import { normalizeStudentNo } from './domain/student';
import type { DesktopLinkRedeemed } from './contract';
import { findStudentByNo } from './store';
import { asCountedAttempt } from './throttle';

type Env = Readonly<Record<string, string | undefined>>;

export const DESKTOP_LINK_ENV = {
  secret: 'DESKTOP_LINK_SECRET',
  keyId: 'DESKTOP_LINK_KEY_ID',
  previous: 'DESKTOP_LINK_SECRET_PREVIOUS',
} as const satisfies Record<string, VariableName>;

/** The keys links are accepted under, from the function's environment (read at each call). */
export function desktopLinkKeys(env: Env = process.env): KeyRing {
  return readKeyRing(env, DESKTOP_LINK_ENV, { minSecretLength: variableSpec('DESKTOP_LINK_SECRET').minLength });
}

/** A redeemed link's nonce, kept until the link would have expired anyway (and a day more). */
export interface RedeemedNonceDoc {
  _id: string;
  nonce: string;
  keyId: string;
  studentId: string;
  /** The WeChat account that scanned it, for the office if a student says their QR "was used". */
  openid: string;
  redeemedAt: Date;
  expiresAt: Date;
}

/** How long after its link expired a nonce record is kept (the auth timer removes it then). */
export const REDEEMED_NONCE_RETENTION_MS = 24 * 3600_000;

/** One request: false when the nonce was redeemed before (the unique index refuses the second). */
async function recordNonce(db: Database, doc: Omit<RedeemedNonceDoc, '_id'>): Promise<boolean> {
  try {
    await collection(db, 'desktopLinkNonces').insert(doc);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/** One request: nonces of links that expired before `before`. */
export async function removeNoncesExpiredBefore(db: Database, before: Date): Promise<number> {
  const _ = commands(db);
  return collection(db, 'desktopLinkNonces').removeWhere({ expiresAt: _.lt(before) });
}

const PROBLEM_CODES = {
  signature: 'DESKTOP_LINK_INVALID',
  lifetime: 'DESKTOP_LINK_INVALID',
  expired: 'DESKTOP_LINK_EXPIRED',
} as const satisfies Record<DesktopLinkProblem, string>;

/**
 * Signature, expiry, the student, then the nonce: a link that fails any check leaves no record,
 * and only a link that would have worked is used up. Each refusal counts against the WeChat
 * account like a wrong password (asCountedAttempt), so nobody can try signatures at leisure.
 */
export async function redeemDesktopLink(request: { link: string }, ctx: RequestContext): Promise<DesktopLinkRedeemed> {
  const openid = ctx.caller.openid as string;
  const now = ctx.now();
  return asCountedAttempt(ctx.db, openid, now, async () => {
    const link = parseDesktopLink(request.link);
    if (!link) {
      ctx.log.info('desktop link refused: not a link of the learning platform');
      throw new AppError('DESKTOP_LINK_INVALID');
    }
    const keys = desktopLinkKeys();
    if (keys.byId.size === 0) ctx.log.error('desktop link refused: DESKTOP_LINK_SECRET is not set');
    const problem = checkDesktopLink(link, keys.byId.get(link.keyId), now);
    if (problem) {
      ctx.log.info('desktop link refused', { problem, keyId: link.keyId, keyKnown: keys.byId.has(link.keyId) });
      throw new AppError(PROBLEM_CODES[problem]);
    }
    const student = await findStudentByNo(ctx.db, normalizeStudentNo(link.studentNo));
    if (!student) {
      // Signed by the platform for a 学号 the roster does not have (yet): the link says no more.
      ctx.log.warn('desktop link refused: no student with the signed 学号', { keyId: link.keyId });
      throw new AppError('DESKTOP_LINK_UNKNOWN_STUDENT');
    }
    const fresh = await recordNonce(ctx.db, {
      nonce: link.nonce,
      keyId: link.keyId,
      studentId: student._id,
      openid,
      redeemedAt: now,
      expiresAt: new Date(link.expires * 1000),
    });
    if (!fresh) {
      ctx.log.info('desktop link refused: already used', { studentId: student._id });
      throw new AppError('DESKTOP_LINK_USED');
    }
    ctx.log.info('desktop link redeemed', { studentId: student._id, keyId: link.keyId });
    return { studentNo: student.studentNo, faceVerified: true };
  });
}
