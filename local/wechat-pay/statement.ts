/** downloadBill: the day's payments and refunds as WeChat Pay lists them for reconciliation. */
import type { Merchant, SandboxOrder, SandboxRefund } from './merchant';
import { MINUTE, SANDBOX_MCH_ID, merchantCheck, parseWxTime, statementTime, str, yuan, type Answer, type PayRequest } from './wire';

/** WeChat Pay's statement (对账单) for one Beijing day, in its CSV layout; a Buffer, as the API returns a file. */
export function downloadBill(merchant: Merchant, request: PayRequest): Answer | Buffer {
  const refused = merchantCheck(request);
  if (refused) return refused;
  merchant.settleDueRefunds();
  const billDate = str(request.bill_date);
  const billType = str(request.bill_type) || 'ALL';
  const dayStart = parseWxTime(`${billDate}000000`);
  if (dayStart === null) return merchant.business('PARAM_ERROR', 'bill_date 格式错误');
  if (!['ALL', 'SUCCESS', 'REFUND'].includes(billType)) return merchant.business('PARAM_ERROR', 'bill_type 参数错误');
  const dayEnd = dayStart + 24 * 60 * MINUTE;
  // Statements are generated from 09:00 the next day.
  if (merchant.now() < dayEnd + 9 * 60 * MINUTE) return merchant.business('20002', 'No Bill Exist');
  const rows: string[] = [];
  let paidCount = 0;
  let paidSum = 0;
  let refundSum = 0;
  for (const order of merchant.all()) {
    if (order.paidAtMs !== null && order.paidAtMs >= dayStart && order.paidAtMs < dayEnd && billType !== 'REFUND') {
      const fee = order.paidFee ?? order.totalFee;
      paidCount += 1;
      paidSum += fee;
      rows.push(
        statementRow({
          time: order.paidAtMs,
          appid: merchant.appid,
          order,
          state: 'SUCCESS',
          settle: fee,
          refund: null,
        }),
      );
    }
    for (const refund of order.refunds) {
      if (refund.createdAtMs >= dayStart && refund.createdAtMs < dayEnd && billType !== 'SUCCESS') {
        refundSum += refund.refundFee;
        rows.push(statementRow({ time: refund.createdAtMs, appid: merchant.appid, order, state: 'REFUND', settle: 0, refund }));
      }
    }
  }
  if (rows.length === 0) return merchant.business('20002', 'No Bill Exist');
  const lines = [
    STATEMENT_HEADER,
    ...rows,
    '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
    ['`' + paidCount, yuan(paidSum), yuan(refundSum), '0.00', '0.00', yuan(paidSum), yuan(refundSum)].map((v, i) => (i === 0 ? v : '`' + v)).join(','),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

const STATEMENT_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,' +
  '应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';

function statementRow(input: {
  time: number;
  appid: string;
  order: SandboxOrder;
  state: 'SUCCESS' | 'REFUND';
  settle: number;
  refund: SandboxRefund | null;
}): string {
  const { order, refund } = input;
  const fee = order.totalFee;
  const values = [
    statementTime(input.time),
    input.appid,
    SANDBOX_MCH_ID,
    order.subMchId,
    '',
    order.transactionId ?? '',
    order.outTradeNo,
    order.payerOpenid ?? '',
    order.tradeType,
    input.state,
    'OTHERS',
    'CNY',
    yuan(input.settle),
    '0.00',
    refund ? refund.refundId : '0',
    refund ? refund.outRefundNo : '0',
    refund ? yuan(refund.refundFee) : '0.00',
    '0.00',
    refund ? 'ORIGINAL' : '',
    refund ? refund.status : '',
    order.body.replace(/[,\r\n]/g, ' '),
    order.attach.replace(/[,\r\n]/g, ' '),
    '0.00000',
    '0.60%',
    yuan(fee),
    refund ? yuan(refund.refundFee) : '0.00',
    '',
  ];
  return values.map((value) => `\`${value}`).join(',');
}
