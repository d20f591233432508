/**
 * Paying: the only code that opens WeChat's pay sheet (wx.requestPayment) or, on the local cloud,
 * its stand-in (POST /sandbox/pay, after the student confirms a 模拟支付 dialog), and that asks for
 * the 缴费成功 and 退款结果 subscribe messages (through subscribe.ts). After the sheet says yes it
 * owns the confirmation: the device remembers the order, and the server is asked until it has the
 * payment (处理中 meanwhile).
 */
import type { ApiResponse } from '../../cloudfunctions/shared/contracts';
import type { PaymentParams } from '../../cloudfunctions/shared/billing/contract';
import { config } from '../config/index';
import { getDevOpenid } from './dev-identity';
import { callFunction } from './call';
import { NETWORK_MESSAGE, ServiceError } from './errors';
import { requestSubscriptions } from './subscribe';

export type PayStart = ApiResponse<'pay', 'create'>;
export type CancelOutcome = ApiResponse<'pay', 'cancel'>;
export type { PaymentParams };

/** 立即支付: the server prices the ticked bills and returns the order with its payment. */
export function createOrder(input: { billIds: string[]; email: string; subscribed: boolean }): Promise<PayStart> {
  return callFunction('pay', 'create', input);
}

/** 继续支付. */
export function resumeOrder(orderId: string): Promise<PayStart> {
  return callFunction('pay', 'resume', { orderId });
}

/** Asks the server to check the order with WeChat; `afterPayment` after the pay sheet said yes. */
export async function syncOrder(orderId: string, afterPayment = false): Promise<PayStart['order']> {
  return (await callFunction('pay', 'sync', afterPayment ? { orderId, afterPayment: true } : { orderId })).order;
}

/** 取消订单. */
export function cancelOrder(orderId: string): Promise<CancelOutcome> {
  return callFunction('pay', 'cancel', { orderId });
}

export type PaySheetResult = 'paid' | 'cancelled';

function localPaySheet(payment: PaymentParams, totalText: string): Promise<PaySheetResult> {
  return new Promise((resolve, reject) => {
    wx.showModal({
      title: '模拟微信支付',
      content: `本地云演示：确认支付 ${totalText}？`,
      confirmText: '确认支付',
      cancelText: '取消',
      success(choice) {
        if (!choice.confirm) {
          resolve('cancelled');
          return;
        }
        wx.request({
          url: `${config.localCloudBaseUrl.replace(/\/+$/, '')}/sandbox/pay`,
          method: 'POST',
          data: { package: payment.package },
          dataType: 'json',
          timeout: config.requestTimeoutMs,
          header: { 'content-type': 'application/json', 'x-wx-openid': getDevOpenid() },
          success(res) {
            if (res.statusCode >= 200 && res.statusCode < 300) resolve('paid');
            else {
              const message = (res.data as { error?: { message?: string } } | undefined)?.error?.message;
              reject(new ServiceError('NETWORK', message ?? '支付失败，请稍后重试', { status: res.statusCode }));
            }
          },
          fail(err) {
            reject(new ServiceError('NETWORK', NETWORK_MESSAGE, { errMsg: err.errMsg }));
          },
        });
      },
      fail() {
        resolve('cancelled');
      },
    });
  });
}

/**
 * Opens the pay sheet with the server's payment parameters. Resolves 'paid' when WeChat reports
 * success (the order may still need a moment to be confirmed: show 处理中 and sync), 'cancelled'
 * when the student closed it; rejects when the sheet could not be opened or the payment failed.
 */
export function openPaySheet(payment: PaymentParams, totalText: string): Promise<PaySheetResult> {
  if (config.transport === 'local') return localPaySheet(payment, totalText);
  return new Promise((resolve, reject) => {
    wx.requestPayment({
      timeStamp: payment.timeStamp,
      nonceStr: payment.nonceStr,
      package: payment.package,
      signType: payment.signType as 'MD5',
      paySign: payment.paySign,
      success() {
        resolve('paid');
      },
      fail(err) {
        if (/cancel/i.test(err.errMsg)) resolve('cancelled');
        else reject(new ServiceError('NETWORK', '支付未完成，请稍后在“缴费中”继续支付', { errMsg: err.errMsg }));
      },
    });
  });
}

/**
 * Orders whose pay sheet said yes on this device (order id → when). Kept until the server has the
 * order as no longer open: if the app is killed or every check fails, the order is still shown as
 * 处理中 and never offered for payment again.
 */
const PAID_SHEETS_KEY = 'zhjf.paidSheets';
/** How long a device remembers a pay sheet that said yes (the order expires long before). */
const PAID_SHEET_MEMORY_MS = 24 * 3600_000;
/** After the pay sheet said yes: ask the server again after these pauses (ms) before leaving it as 处理中. */
const SYNC_PAUSES_MS: readonly number[] = [0, 800, 1500, 2500];

type PaidSheets = Record<string, number>;

function readPaidSheets(): PaidSheets {
  const stored = wx.getStorageSync(PAID_SHEETS_KEY) as PaidSheets | '' | undefined;
  return stored && typeof stored === 'object' ? { ...stored } : {};
}

/** This device's pay sheet said yes for the order: remembered before anything else can fail. */
function rememberPaidSheet(orderId: string): void {
  const sheets = readPaidSheets();
  sheets[orderId] = Date.now();
  wx.setStorageSync(PAID_SHEETS_KEY, sheets);
}

/** Whether this device's pay sheet said yes for the order. */
export function paidOnThisDevice(orderId: string): boolean {
  return Boolean(readPaidSheets()[orderId]);
}

/**
 * Of these open orders, the ones this device's pay sheet said yes for. Forgets every other order
 * (no longer open, or too old).
 */
export function openOrdersPaidOnThisDevice(openOrderIds: readonly string[]): Set<string> {
  const sheets = readPaidSheets();
  const kept: PaidSheets = {};
  const now = Date.now();
  for (const [id, at] of Object.entries(sheets)) if (openOrderIds.includes(id) && now - at < PAID_SHEET_MEMORY_MS) kept[id] = at;
  if (Object.keys(kept).length !== Object.keys(sheets).length) wx.setStorageSync(PAID_SHEETS_KEY, kept);
  return new Set(Object.keys(kept));
}

/**
 * Opens the pay sheet for an order that needs paying, and remembers on this device when it says
 * yes, before anything else can fail.
 */
export async function payInSheet(orderId: string, payment: PaymentParams, totalText: string): Promise<PaySheetResult> {
  const sheet = await openPaySheet(payment, totalText);
  if (sheet === 'paid') rememberPaidSheet(orderId);
  return sheet;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * 处理中: the pay sheet said yes. Asks the server to check the order with WeChat, a few times with
 * pauses, until the order is no longer waiting (paid, refunded, set aside for review). Every ask
 * says the pay sheet succeeded: the first one may never have arrived. Resolves with the order as
 * last seen, or null when no check got through; never offers to pay again.
 */
export async function confirmPayment(orderId: string): Promise<PayStart['order'] | null> {
  let order: PayStart['order'] | null = null;
  for (const wait of SYNC_PAUSES_MS) {
    await pause(wait);
    try {
      order = await syncOrder(orderId, true);
    } catch {
      order = null;
    }
    if (order && (order.status !== 'PENDING' || order.underReview)) break;
  }
  return order;
}

/**
 * Asks for the 缴费成功 and 退款结果 subscribe messages in one prompt (a template without an id is
 * not asked for). Must run inside the 立即支付 tap (WeChat only shows the prompt for a user's tap).
 * Resolves true when the student accepted 缴费成功, which the order records; 退款结果 needs no record:
 * WeChat delivers it only to a student who accepted it.
 */
export async function requestPaySuccessSubscription(): Promise<boolean> {
  const answers = await requestSubscriptions([config.paySuccessTemplateId, config.refundResultTemplateId]);
  return answers[config.paySuccessTemplateId] === 'accept';
}
