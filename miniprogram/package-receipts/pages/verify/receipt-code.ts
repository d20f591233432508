/**
 * What a receipt's QR code or the verify page's query carries, read without the back end: the
 * three fields that identify a receipt, checked for shape. Only 票据查验 needs it, so it lives in
 * the receipts subpackage; asking the server stays in services/receipts.ts.
 */
import type { ReceiptQuery } from '../../../services/receipts';

/** The three fields as typed or scanned, checked for shape (8 digits, 10 digits, 6 letters or digits); null if not. */
export function receiptQueryOf(code: unknown, no: unknown, check: unknown): ReceiptQuery | null {
  const receiptCode = typeof code === 'string' ? code.trim() : '';
  const receiptNo = typeof no === 'string' ? no.trim() : '';
  const checkCode = typeof check === 'string' ? check.trim().toUpperCase() : '';
  if (!/^\d{8}$/.test(receiptCode) || !/^\d{10}$/.test(receiptNo) || !/^[0-9A-Z]{6}$/.test(checkCode)) return null;
  return { receiptCode, receiptNo, checkCode };
}

const decode = (value: string): string => {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
};

/** `a=1&b=2` (the part after `?`, if any) as a map. No URL class: not every base library has one. */
function queryParams(text: string): Record<string, string> {
  const start = text.indexOf('?');
  const query = (start >= 0 ? text.slice(start + 1) : text).split('#')[0] ?? '';
  const out: Record<string, string> = {};
  for (const part of query.split('&')) {
    const at = part.indexOf('=');
    if (at > 0) out[decode(part.slice(0, at))] = decode(part.slice(at + 1));
  }
  return out;
}

/**
 * What a receipt's QR code carries, in any of its forms: the fields alone (ZHJF|代码|号码|校验码|…),
 * an https link with them as its query (code, no, check), or a 明文 URL Scheme
 * (weixin://dl/business/?appid=…&path=…&query=<the same query, encoded>).
 */
export function parseReceiptCode(text: string): ReceiptQuery | null {
  const value = text.trim();
  if (value.startsWith('ZHJF|')) {
    const [, code, no, check] = value.split('|');
    return receiptQueryOf(code, no, check);
  }
  let params = queryParams(value);
  if (/^weixin:\/\//i.test(value) && params.query) params = queryParams(params.query);
  return receiptQueryOf(params.code, params.no, params.check);
}

/**
 * The receipt the verify page was opened for: `q` when WeChat opened it from a scanned link
 * (扫普通链接二维码打开小程序 passes the whole link, encoded), else code/no/check in the page's own
 * query (a 明文 URL Scheme, or a path inside the mini program).
 */
export function receiptQueryFromPageOptions(options: Record<string, string | undefined>): ReceiptQuery | null {
  if (options.q) return parseReceiptCode(decode(options.q));
  return receiptQueryOf(options.code, options.no, options.check);
}
