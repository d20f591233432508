import { action, access } from './define';
import type { OrderView } from './bills';
import { v, docId } from './validate';

/** Codes the pay function returns besides the common ones. */
export const PAY_ERRORS = {
  EMAIL_INVALID: '请填写正确的邮箱地址，电子票据将发送到该邮箱',
  BILLS_IN_OPEN_ORDER: '所选账单已在“缴费中”的订单里，请继续支付或取消该订单后重新选择',
  BILLS_CHANGED: '账单状态刚刚发生变化，请刷新后重试',
  ORDER_NOT_PENDING: '该订单已关闭或已支付，请刷新后查看',
  ORDER_EXPIRED: '订单已超时关闭，请在“待缴费”中重新选择账单支付',
  ORDER_PROCESSING: '该订单的支付结果正在确认中，请勿重复支付',
  ORDER_UNDER_REVIEW: '该订单的支付结果与微信支付记录不一致，已转计划财务处核实，请联系计划财务处收费管理科',
  ORDER_OTHER_PAYER: '该订单由另一个微信账号发起，请在原微信中继续支付，或取消订单后重新支付',
  PAY_UNAVAILABLE: '微信支付暂时不可用，请稍后重试',
  PAY_REJECTED: '微信支付下单失败，请稍后重试',
} as const;

export type PayErrorCode = keyof typeof PAY_ERRORS;

/** What `wx.requestPayment` needs, as cloudPay.unifiedOrder returns it in `payment`. */
export interface PaymentParams {
  appId?: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: string;
  paySign: string;
}

export interface PayStart {
  order: OrderView;
  /** Null only when the order turned out to be paid already. */
  payment: PaymentParams | null;
}

export interface CancelOutcome {
  order: OrderView;
  /** CANCELLED: the bills are back under 待缴费; PAID: it had been paid, nothing was cancelled. */
  outcome: 'CANCELLED' | 'PAID';
}

const orderRef = v.object({ orderId: docId() });

export const payContract = {
  /**
   * 立即支付: the client sends bill ids only; the server prices them. A second tap (or a second
   * device) for the same bills gets the same open order and payment back.
   */
  create: action<PayStart>()({
    request: v.object({
      billIds: v.array(docId(), { min: 1, max: 50, unique: true }),
      email: v.string({ min: 1, max: 100 }),
      /** The student accepted the 缴费成功 subscribe message on this tap. */
      subscribed: v.optional(v.boolean()),
    }),
    access: access.student,
  }),
  /** 继续支付: the payment of an open order again (the same one while it is valid). */
  resume: action<PayStart>()({ request: orderRef, access: access.student }),
  /**
   * Asks WeChat how the order stands and applies it. `afterPayment`: the pay sheet just reported
   * success, so the order is shown as 处理中 and never offered for payment again.
   */
  sync: action<{ order: OrderView }>()({
    request: v.object({ orderId: docId(), afterPayment: v.optional(v.boolean()) }),
    access: access.student,
  }),
  /** 取消订单: releases the bills at once (WeChat is told to close the order as soon as it allows). */
  cancel: action<CancelOutcome>()({ request: orderRef, access: access.student }),
};
