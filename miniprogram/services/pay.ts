/**
 * Paying: the only code that opens WeChat's pay sheet (wx.requestPayment) or, on the local cloud,
 * its stand-in (POST /sandbox/pay, after the student confirms a 模拟支付 dialog), and that asks for
 * the 缴费成功 subscribe message.
 */
import type { ApiResponse } from '../../cloudfunctions/shared/contracts/index';
import type { PaymentParams } from '../../cloudfunctions/shared/contracts/pay';
import { config } from '../config/index';
import { getDevOpenid } from './dev-identity';
import { callFunction } from './call';
import { NETWORK_MESSAGE, ServiceError } from './errors';

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
 * Asks for the 缴费成功 subscribe message. Must run inside the 立即支付 tap (WeChat only shows the
 * prompt for a user's tap). Resolves true when the student accepted.
 */
export function requestPaySuccessSubscription(): Promise<boolean> {
  const templateId = config.paySuccessTemplateId;
  if (!templateId || typeof wx.requestSubscribeMessage !== 'function') return Promise.resolve(false);
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: [templateId],
      success(res) {
        resolve((res as unknown as Record<string, string>)[templateId] === 'accept');
      },
      fail() {
        resolve(false);
      },
    });
  });
}
