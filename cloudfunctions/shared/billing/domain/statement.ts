/**
 * WeChat Pay's daily statement (对账单, downloadBill): a CSV whose values start with a backtick,
 * a header row of Chinese column names, the transactions, then a summary. Amounts are in yuan with
 * two decimals; they are read as integer fen without floating point.
 */
import { parseShanghaiDateTime } from './billing';
import { fen, type Fen } from '../../kernel/money';

export interface StatementRow {
  /** 交易时间 (Beijing time in the file): when the payment (or the refund) happened. */
  tradeTime: Date | null;
  /** 交易状态: SUCCESS for a payment, REFUND for a refund. */
  tradeState: string;
  transactionId: string;
  outTradeNo: string;
  /** 订单金额 in fen. */
  orderFee: Fen;
  /** 退款金额 in fen (0 for payments). */
  refundFee: Fen;
  outRefundNo: string;
  /** 退款状态 of a REFUND row (SUCCESS, PROCESSING…); empty for payments. */
  refundStatus: string;
  subMchId: string;
}

export class StatementError extends Error {}

/** "3200.00" → 320000 fen; "0.5" → 50. */
export function yuanToFen(text: string): Fen {
  const m = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) throw new StatementError(`not an amount: ${text}`);
  const value = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return fen(m[1] ? -value : value);
}

const COLUMNS = {
  tradeTime: '交易时间',
  tradeState: '交易状态',
  transactionId: '微信订单号',
  outTradeNo: '商户订单号',
  orderFee: '订单金额',
  refundFee: '退款金额',
  outRefundNo: '商户退款单号',
  refundStatus: '退款状态',
  subMchId: '特约商户号',
} as const;

const clean = (value: string | undefined): string => (value ?? '').replace(/^`/, '').trim();

export function parseStatement(text: string): StatementRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((line) => line.trim() !== '');
  const headerIndex = lines.findIndex((line) => line.includes(COLUMNS.outTradeNo) && line.includes(COLUMNS.tradeState));
  if (headerIndex < 0) throw new StatementError('statement header not found');
  const header = lines[headerIndex]!.split(',').map((name) => name.trim());
  const index = Object.fromEntries(
    Object.entries(COLUMNS).map(([key, name]) => {
      const at = header.indexOf(name);
      if (at < 0) throw new StatementError(`statement has no column ${name}`);
      return [key, at];
    }),
  ) as Record<keyof typeof COLUMNS, number>;
  const rows: StatementRow[] = [];
  for (const line of lines.slice(headerIndex + 1)) {
    if (line.startsWith('总交易单数')) break;
    const cells = line.split(',');
    rows.push({
      tradeTime: parseShanghaiDateTime(clean(cells[index.tradeTime])),
      tradeState: clean(cells[index.tradeState]),
      transactionId: clean(cells[index.transactionId]),
      outTradeNo: clean(cells[index.outTradeNo]),
      orderFee: yuanToFen(clean(cells[index.orderFee]) || '0'),
      refundFee: yuanToFen(clean(cells[index.refundFee]) || '0'),
      outRefundNo: clean(cells[index.outRefundNo]),
      refundStatus: clean(cells[index.refundStatus]),
      subMchId: clean(cells[index.subMchId]),
    });
  }
  return rows;
}
