/**
 * Our record of a case's order beside WeChat Pay's, field by field, with the fields the server
 * found to disagree marked (it names them: 订单, 支付状态, 金额, 商户号, 微信支付单号, 退款状态).
 */
import type { CaseDetail } from '../../api/types';
import { formatYuan } from '../../utils/money';
import { formatBeijingTime } from '../../utils/time';

export interface CompareRow {
  label: string;
  ours: string;
  wechat: string;
  differs: boolean;
}

const NONE = '—';
const time = (iso: string | null | undefined): string => (iso ? formatBeijingTime(iso) : NONE);
const money = (fen: number | null | undefined): string => (fen === null || fen === undefined ? NONE : formatYuan(fen));

export function compareRows(detail: CaseDetail): CompareRow[] {
  const order = detail.ours.order;
  const asked = detail.wechat.asked;
  const theirs = detail.wechat.order;
  const notAsked = asked ? NONE : '未能查询';
  const wechat = (value: () => string): string => (!asked ? notAsked : theirs?.found ? value() : NONE);
  const differs = (label: string): boolean => detail.differences.includes(label);

  const rows: CompareRow[] = [];
  if (detail.case.outTradeNo || order) {
    rows.push({
      label: '订单',
      ours: order ? order.outTradeNo : '本系统没有该订单',
      wechat: !asked ? notAsked : theirs === null ? NONE : theirs.found ? '微信支付有该订单' : '微信支付没有该订单',
      differs: differs('订单'),
    });
    rows.push({
      label: '支付状态',
      ours: order ? order.statusText : NONE,
      wechat: !asked ? notAsked : (theirs?.tradeStateText ?? NONE),
      differs: differs('支付状态'),
    });
    rows.push({ label: '金额', ours: money(order?.total), wechat: wechat(() => money(theirs?.totalFee)), differs: differs('金额') });
    rows.push({
      label: '商户号',
      ours: order?.subMchId ?? NONE,
      wechat: wechat(() => (theirs?.subMchId ? `${theirs.subMchId}${theirs.ourMerchant ? '（本校）' : '（不是本校的商户号）'}` : NONE)),
      differs: differs('商户号'),
    });
    rows.push({ label: '微信支付单号', ours: order?.transactionId ?? NONE, wechat: wechat(() => theirs?.transactionId ?? NONE), differs: differs('微信支付单号') });
    rows.push({ label: '支付时间', ours: time(order?.paidAt), wechat: wechat(() => time(theirs?.paidAt)), differs: false });
  }
  if (detail.case.outRefundNo || detail.wechat.refund) {
    const refund = detail.ours.refunds.find((one) => one.refundId === detail.case.outRefundNo);
    rows.push({
      label: '退款状态',
      ours: refund ? refund.stateText : '本系统没有该退款',
      wechat: !asked ? notAsked : (detail.wechat.refund?.statusText ?? NONE),
      differs: differs('退款状态'),
    });
  }
  return rows;
}
