import type { ApiResponse } from '../../cloudfunctions/shared/contracts';
import { config } from '../config/index';
import { callFunction } from './call';
import { NETWORK_MESSAGE, ServiceError } from './errors';

export type SessionStatus = ApiResponse<'auth', 'status'>;
export type SignInResult = ApiResponse<'auth', 'signIn'>;
export type SetupState = ApiResponse<'auth', 'setupState'>;
export type Profile = ApiResponse<'auth', 'profile'>;
export type ForgotVerified = ApiResponse<'auth', 'forgotVerify'>;
export type DesktopLinkRedeemed = ApiResponse<'auth', 'redeemDesktopLink'>;
export type SetupIdentity = SetupState['identity'];
export type AccountKind = 'studentNo' | 'idNumber';

/** Whether this WeChat account is signed in to a student session, and the server's clock. */
export function getSessionStatus(): Promise<SessionStatus> {
  return callFunction('auth', 'status', {});
}

/** 证件号 → 下一步: the server checks the number's form (never whether an account has it). */
export function checkIdNumber(idNumber: string): Promise<ApiResponse<'auth', 'checkIdNumber'>> {
  return callFunction('auth', 'checkIdNumber', { idNumber });
}

export function signIn(by: AccountKind, account: string, password: string): Promise<SignInResult> {
  return callFunction('auth', 'signIn', { by, account, password });
}

/**
 * The learning platform's QR link the login page was opened with: whose account to fill in, once
 * the server has checked the link (signature, expiry, first use). Signs nobody in.
 */
export function redeemDesktopLink(link: string): Promise<DesktopLinkRedeemed> {
  return callFunction('auth', 'redeemDesktopLink', { link });
}

export function getSetupState(): Promise<SetupState> {
  return callFunction('auth', 'setupState', {});
}

export function confirmIdentity(): Promise<SetupState> {
  return callFunction('auth', 'setupConfirmIdentity', {});
}

/** 首次登录 without a phone on file: the activation code from 计划财务处. */
export function activateAccount(activationCode: string): Promise<SetupState> {
  return callFunction('auth', 'setupActivate', { activationCode });
}

export function setNewPassword(newPassword: string, confirmPassword: string): Promise<SetupState> {
  return callFunction('auth', 'setupPassword', { newPassword, confirmPassword });
}

export function verifySetupPhone(phoneCode: string): Promise<ApiResponse<'auth', 'setupPhone'>> {
  return callFunction('auth', 'setupPhone', { phoneCode });
}

export function verifyDevice(phoneCode: string): Promise<ApiResponse<'auth', 'verifyDevice'>> {
  return callFunction('auth', 'verifyDevice', { phoneCode });
}

export function verifyForgotPassword(by: AccountKind, account: string, phoneCode: string): Promise<ForgotVerified> {
  return callFunction('auth', 'forgotVerify', { by, account, phoneCode });
}

export function resetForgottenPassword(newPassword: string, confirmPassword: string): Promise<ApiResponse<'auth', 'forgotReset'>> {
  return callFunction('auth', 'forgotReset', { newPassword, confirmPassword });
}

export function getProfile(): Promise<Profile> {
  return callFunction('auth', 'profile', {});
}

export function changePassword(oldPassword: string, newPassword: string, confirmPassword: string): Promise<ApiResponse<'auth', 'changePassword'>> {
  return callFunction('auth', 'changePassword', { oldPassword, newPassword, confirmPassword });
}

export function signOut(): Promise<ApiResponse<'auth', 'signOut'>> {
  return callFunction('auth', 'signOut', {});
}

// ------------------------------------------------------------------ the phone number code

/** The detail of `<button open-type="getPhoneNumber">`'s getphonenumber event. */
export interface PhoneNumberDetail {
  code?: string;
  errMsg?: string;
}

/** Thrown as ServiceError('PHONE_DENIED') when the student closes WeChat's phone dialog. */
export const PHONE_DENIED_MESSAGE = '需要授权获取微信绑定的手机号才能完成验证';

/** Where the local transport remembers the phone number this device "has" (the local demo only). */
export const DEV_PHONE_KEY = 'zhjf.devPhone';

function askDevPhone(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.showModal({
      title: '本地演示：选择手机号',
      content: '',
      editable: true,
      placeholderText: '输入 11 位手机号',
      confirmText: '确定',
      success(res) {
        const phone = (res.content ?? '').replace(/\s+/g, '');
        if (res.confirm && /^1[3-9]\d{9}$/.test(phone)) resolve(phone);
        else reject(new ServiceError('PHONE_CODE_INVALID', PHONE_DENIED_MESSAGE));
      },
      fail() {
        reject(new ServiceError('PHONE_CODE_INVALID', PHONE_DENIED_MESSAGE));
      },
    });
  });
}

/** The local cloud issues the code WeChat would: `POST /sandbox/phone-code { phone }`. */
function localPhoneCode(phone: string): Promise<string> {
  const url = `${config.localCloudBaseUrl.replace(/\/+$/, '')}/sandbox/phone-code`;
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method: 'POST',
      data: { phone },
      dataType: 'json',
      timeout: config.requestTimeoutMs,
      header: { 'content-type': 'application/json' },
      success(res) {
        const code = (res.data as { code?: unknown } | null)?.code;
        if (res.statusCode === 200 && typeof code === 'string') resolve(code);
        else reject(new ServiceError('NETWORK', '本地云未能签发手机号验证码', { status: res.statusCode }));
      },
      fail(err) {
        reject(new ServiceError('NETWORK', NETWORK_MESSAGE, { errMsg: err.errMsg }));
      },
    });
  });
}

/**
 * The code to send to the server for the phone number check. In production it is the code WeChat
 * put in the event (single use, 5 minutes). With the local cloud there is no WeChat phone dialog:
 * the device's demo phone number (asked once, then remembered) gets a code from the local cloud.
 */
export async function phoneCodeFrom(detail: PhoneNumberDetail): Promise<string> {
  if (/deny|cancel/i.test(detail.errMsg ?? '')) {
    throw new ServiceError('PHONE_CODE_INVALID', PHONE_DENIED_MESSAGE, { errMsg: detail.errMsg ?? '' });
  }
  if (config.transport === 'local') {
    const stored: unknown = wx.getStorageSync(DEV_PHONE_KEY);
    const phone = typeof stored === 'string' && stored !== '' ? stored : await askDevPhone();
    wx.setStorageSync(DEV_PHONE_KEY, phone);
    return localPhoneCode(phone);
  }
  if (typeof detail.code === 'string' && detail.code !== '') return detail.code;
  throw new ServiceError('PHONE_CODE_INVALID', PHONE_DENIED_MESSAGE, { errMsg: detail.errMsg ?? '' });
}
