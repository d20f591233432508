import { AppError, type RequestContext } from '../runtime';
import { phoneKey } from './domain/student';
import { maskPhone } from '../kernel/mask';
import { markPhoneCodeUsed } from './store';

export interface VerifiedPhone {
  /** Keyed hash, comparable with a student's phoneHash. */
  hash: string;
  masked: string;
}

/** WeChat's answers that mean the code is not (or no longer) valid: invalid or expired, malformed, missing. */
const INVALID_CODE_ERRORS = new Set([40029, 47001, 41008]);
/** WeChat's answer for a code that was already exchanged ("code been used"). */
const USED_CODE_ERROR = 40163;

/**
 * Exchanges the code from `<button open-type="getPhoneNumber">` for the number WeChat verified
 * (`phonenumber.getPhoneNumber`, single use, 5 minutes). The number itself stays in this function.
 */
export async function exchangePhoneCode(
  ctx: RequestContext,
  code: string,
  hash: (purpose: 'phone', value: string) => string,
): Promise<VerifiedPhone> {
  if (!(await markPhoneCodeUsed(ctx.db, code, ctx.now()))) throw new AppError('PHONE_CODE_USED');
  let info: { purePhoneNumber?: unknown; phoneNumber?: unknown; countryCode?: unknown } | undefined;
  try {
    const res = (await ctx.cloud.openapi.phonenumber.getPhoneNumber({ code })) as { phoneInfo?: typeof info };
    info = res.phoneInfo;
  } catch (error) {
    const errCode = (error as { errCode?: unknown } | null)?.errCode;
    if (errCode === USED_CODE_ERROR) throw new AppError('PHONE_CODE_USED');
    if (typeof errCode === 'number' && INVALID_CODE_ERRORS.has(errCode)) throw new AppError('PHONE_CODE_INVALID');
    ctx.log.error('getPhoneNumber failed', { errCode: typeof errCode === 'number' ? errCode : null });
    throw new AppError('UNAVAILABLE');
  }
  const number = typeof info?.purePhoneNumber === 'string' ? info.purePhoneNumber : null;
  const countryCode = typeof info?.countryCode === 'string' ? info.countryCode : '86';
  if (!number) {
    ctx.log.error('getPhoneNumber returned no number');
    throw new AppError('UNAVAILABLE');
  }
  return { hash: hash('phone', phoneKey(countryCode, number)), masked: maskPhone(number) };
}
