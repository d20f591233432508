import { createHmac } from 'node:crypto';
import { fen } from '../../../cloudfunctions/shared/kernel/money';
import type { OrderDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import {
  CHECK_CODE_ALPHABET,
  checkCodeInput,
  checkSymbolOf,
  CURRENT_CHECK_CODE_SCHEME,
  deriveCheckCode,
  formatReceiptNo,
  maskEmail,
  needsPdf,
  newReceipt,
  receiptCloudPath,
  ReceiptError,
  shanghaiDate,
  verificationPayload,
  wantedPdfVersion,
} from '../../../cloudfunctions/shared/receipts/domain/receipt';
import { readReceiptsSettings } from '../../../cloudfunctions/shared/receipts/settings';
import { readSmtpSettings, SMTP_TIMEOUT_MS, smtpTransportOptions } from '../../../cloudfunctions/shared/receipts/mail';
import { retryDelayMs, MAX_EMAIL_ATTEMPTS } from '../../../cloudfunctions/shared/receipts/mailing';

const at = new Date('2026-02-28T17:30:00Z'); // 2026-03-01 01:30 in Asia/Shanghai

const order: Pick<OrderDoc, '_id' | 'studentId' | 'studentNo' | 'lines' | 'total' | 'outTradeNo' | 'paidAt' | 'email'> = {
  _id: 'ord1',
  studentId: 'stu1',
  studentNo: '20260001',
  outTradeNo: 'ZHJF0001',
  paidAt: at,
  email: 'a@example.com',
  total: fen(440000),
  lines: [
    { billId: 'b1', term: '2026-2027-1', academicYear: '2026-2027', itemCode: 'XF', itemName: '学费', amount: fen(320000) },
    { billId: 'b2', term: '2026-2027-1', academicYear: '2026-2027', itemCode: 'ZSF', itemName: '住宿费', amount: fen(120000) },
  ],
};

const settings = { title: '山东省非税收入统一票据（电子）', receiptCode: '37060126', payeeUnit: '计划财务处', reviewer: '甲', payee: '乙', watermark: '' };
const storageKey = '0123456789abcdef0123456789abcdef';

describe('receipt numbers', () => {
  it('are 10 digits, zero-padded, from 1 to 9,999,999,999', () => {
    expect(formatReceiptNo(1)).toBe('0000000001');
    expect(formatReceiptNo(1234567890)).toBe('1234567890');
    expect(formatReceiptNo(9_999_999_999)).toBe('9999999999');
    for (const bad of [0, -1, 1.5, 10_000_000_000]) expect(() => formatReceiptNo(bad)).toThrow(ReceiptError);
  });
});

describe('newReceipt', () => {
  it('copies the order, the payer and the settings, and writes the total in figures and capitals', () => {
    const receipt = newReceipt({
      order,
      payer: { name: '刘䶮玥', studentNo: '20260001', idMasked: '3706**********123X' },
      settings,
      sequence: 42,
      checkCode: 'ABCDEF',
      checkKeyId: 'k2',
      storageKey,
      transactionIdMasked: '4200****7890',
      at,
    });
    expect(receipt).toMatchObject({
      checkKeyId: 'k2',
      storageKey,
      orderId: 'ord1',
      status: 'PENDING_PDF',
      receiptNo: '0000000042',
      sequence: 42,
      payerName: '刘䶮玥',
      payerIdMasked: '3706**********123X',
      total: 440000,
      totalInWords: '肆仟肆佰元整',
      academicYear: '2026-2027',
      pdfFileID: null,
      pdfVersion: null,
    });
    expect(receipt.lines).toEqual([
      { itemCode: 'XF', itemName: '学费', quantity: 1, unitAmount: 320000, amount: 320000 },
      { itemCode: 'ZSF', itemName: '住宿费', quantity: 1, unitAmount: 120000, amount: 120000 },
    ]);
  });

  it('refuses an order whose lines do not add up to its total, or a bad 票据代码', () => {
    const input = { payer: { name: '甲', studentNo: '1', idMasked: '' }, sequence: 1, checkCode: 'X', checkKeyId: 'k1', storageKey, transactionIdMasked: '', at };
    expect(() => newReceipt({ ...input, order: { ...order, total: fen(1) }, settings })).toThrow(ReceiptError);
    expect(() => newReceipt({ ...input, order, settings, storageKey: 'guessable' })).toThrow(ReceiptError);
    expect(() => newReceipt({ ...input, order, settings: { ...settings, receiptCode: '1234' } })).toThrow(ReceiptError);
    expect(() => newReceipt({ ...input, order: { ...order, lines: [], total: fen(0) }, settings })).toThrow(ReceiptError);
  });
});

describe('check code', () => {
  const fields = { receiptCode: '37060126', receiptNo: '0000000001', issuedAt: at, total: fen(440000), studentNo: '20260001' };
  const current = { ...fields, checkKeyId: 'k1', checkCodeScheme: CURRENT_CHECK_CODE_SCHEME };
  const hmac = (secret: string) => (text: string) => createHmac('sha256', secret).update(text).digest();
  const code = (secret: string, f: Parameters<typeof deriveCheckCode>[0] = current) => deriveCheckCode(f, hmac(secret));

  it('is 6 unambiguous characters, stable for the same receipt and key', () => {
    expect(code('k'.repeat(32))).toMatch(/^[2-9A-HJKMNP-Z]{6}$/);
    expect(code('k'.repeat(32))).toBe(code('k'.repeat(32)));
  });

  it('changes with the key and with any printed field', () => {
    const base = code('k'.repeat(32));
    expect(code('j'.repeat(32))).not.toBe(base);
    expect(code('k'.repeat(32), { ...current, receiptNo: '0000000002' })).not.toBe(base);
    expect(code('k'.repeat(32), { ...current, total: fen(440001) })).not.toBe(base);
    expect(code('k'.repeat(32), { ...current, studentNo: '20260002' })).not.toBe(base);
  });

  it('uses the date in Asia/Shanghai', () => {
    expect(shanghaiDate(at)).toBe('2026-03-01');
    expect(checkCodeInput(current)).toContain('|2026-03-01|');
  });

  it('includes the id of the key, so a receipt names the key that verifies it after a rotation', () => {
    expect(checkCodeInput({ ...current, checkKeyId: 'k2' })).toBe('ZHJF-RECEIPT-3|k2|37060126|0000000001|2026-03-01|440000|20260001');
    expect(code('k'.repeat(32), { ...current, checkKeyId: 'k1' })).not.toBe(code('k'.repeat(32), { ...current, checkKeyId: 'k2' }));
  });

  it('gives every one of the 31 symbols the same chance: 8 byte values each, the other 8 skipped', () => {
    expect(CHECK_CODE_ALPHABET).toHaveLength(31);
    const counts = new Map<string | null, number>();
    for (let byte = 0; byte < 256; byte += 1) counts.set(checkSymbolOf(byte), (counts.get(checkSymbolOf(byte)) ?? 0) + 1);
    expect(counts.get(null)).toBe(256 - 31 * 8);
    for (const symbol of CHECK_CODE_ALPHABET) expect(counts.get(symbol)).toBe(8);
  });

  it('skips the bytes that would favour some symbols, drawing more digest when it must', () => {
    const blocks = new Map<string, Uint8Array>();
    const digest = (text: string) => blocks.get(text === checkCodeInput(current) ? 'first' : 'more')!;
    // Every byte of the first digest is one that is skipped; the next one starts 0, 1, 2…
    blocks.set('first', new Uint8Array(32).fill(255));
    blocks.set('more', Uint8Array.from({ length: 32 }, (_, i) => i));
    expect(deriveCheckCode(current, digest)).toBe(CHECK_CODE_ALPHABET.slice(0, 6));
  });

  it('keeps the codes of receipts issued before: same input, same (byte % 31) mapping', () => {
    // Codes as issued before the unbiased mapping, for these fields and this key.
    expect(checkCodeInput(fields)).toBe('ZHJF-RECEIPT-1|37060126|0000000001|2026-03-01|440000|20260001');
    expect(code('k'.repeat(32), fields)).toBe('N68RUZ');
    expect(checkCodeInput({ ...fields, checkKeyId: 'k1' })).toBe('ZHJF-RECEIPT-2|k1|37060126|0000000001|2026-03-01|440000|20260001');
    expect(code('k'.repeat(32), { ...fields, checkKeyId: 'k1' })).toBe('4QPPA9');
  });
});

describe('verification payload (the QR code)', () => {
  const receipt = { receiptCode: '37060126', receiptNo: '0000000001', checkCode: 'ABC234', issuedAt: at, total: fen(440000) };
  it('carries code, number, check code, date and amount', () => {
    expect(verificationPayload(receipt, '')).toBe('ZHJF|37060126|0000000001|ABC234|20260301|440000');
  });
  it('is a link when a verification URL is configured', () => {
    expect(verificationPayload(receipt, 'https://pay.example.edu.cn/verify')).toBe(
      'https://pay.example.edu.cn/verify?code=37060126&no=0000000001&check=ABC234&date=20260301&amount=440000',
    );
  });
  it('without a URL but with the AppID, is a 明文 URL Scheme that opens the verify page with the fields', () => {
    const scheme = verificationPayload(receipt, { appId: 'wx0123456789abcdef' });
    expect(scheme).toBe(
      'weixin://dl/business/?appid=wx0123456789abcdef&path=pages/verify/index&query=code%3D37060126%26no%3D0000000001%26check%3DABC234%26date%3D20260301%26amount%3D440000',
    );
    // The URL wins when both are set (WeChat's scanner opens it directly).
    expect(verificationPayload(receipt, { url: 'https://pay.example.edu.cn/r', appId: 'wx0123456789abcdef' })).toMatch(/^https:\/\/pay\.example\.edu\.cn\/r\?code=/);
  });
});

describe('document state', () => {
  it('needs a document until the one for its state is stored', () => {
    expect(needsPdf({ status: 'PENDING_PDF', pdfVersion: null, pdfFileID: null })).toBe(true);
    expect(needsPdf({ status: 'ISSUED', pdfVersion: 'ISSUED', pdfFileID: 'cloud://x' })).toBe(false);
    expect(needsPdf({ status: 'VOIDED', pdfVersion: 'ISSUED', pdfFileID: 'cloud://x' })).toBe(true);
    expect(wantedPdfVersion('VOIDED')).toBe('VOIDED');
  });

  it('stores the document under a path with 128 random bits, so knowing a number does not find its file', () => {
    expect(receiptCloudPath({ receiptCode: '37060126', receiptNo: '0000000001', storageKey }, 'ISSUED')).toBe(`receipts/37060126/0000000001-${storageKey}.pdf`);
    expect(receiptCloudPath({ receiptCode: '37060126', receiptNo: '0000000001', storageKey }, 'VOIDED')).toBe(`receipts/37060126/0000000001-${storageKey}-voided.pdf`);
    // No key, no path: the guessable receipts/<code>/<number>.pdf is never made.
    expect(() => receiptCloudPath({ receiptCode: '37060126', receiptNo: '0000000001' }, 'ISSUED')).toThrow(ReceiptError);
    expect(() => receiptCloudPath({ receiptCode: '37060126', receiptNo: '0000000001', storageKey: 'abc' }, 'ISSUED')).toThrow(ReceiptError);
  });
});

describe('email addresses on receipts', () => {
  it('masks for display', () => {
    expect(maskEmail('zhangsan@qq.com')).toBe('zh***@qq.com');
    expect(maskEmail('a@qq.com')).toBe('a***@qq.com');
    expect(maskEmail('ab@qq.com')).toBe('a***@qq.com');
  });
});

describe('settings from the environment', () => {
  it('has production defaults, no watermark, and no check-code key unless one is set', () => {
    const s = readReceiptsSettings({});
    expect(s.issuer).toMatchObject({ title: '山东省非税收入统一票据（电子）', receiptCode: '37060126', watermark: '' });
    expect(s.checkKey).toBeNull();
    expect(s.checkKeys.size).toBe(0);
    expect(s.autoEmail).toBe(true);
  });

  it('reads every RECEIPT_* variable, and refuses a short key or a bad 票据代码', () => {
    const s = readReceiptsSettings({
      RECEIPT_TITLE: '山东省教育收费统一票据（电子）',
      RECEIPT_CODE: '37010001',
      RECEIPT_PAYEE_UNIT: '某大学',
      RECEIPT_REVIEWER: '王五',
      RECEIPT_PAYEE: '赵六',
      RECEIPT_WATERMARK: '样张',
      RECEIPT_CHECK_SECRET: 's'.repeat(16),
      RECEIPT_AUTO_EMAIL: 'false',
      RECEIPT_VERIFY_APPID: 'wx0123456789abcdef',
    });
    expect(s.issuer).toEqual({ title: '山东省教育收费统一票据（电子）', receiptCode: '37010001', payeeUnit: '某大学', reviewer: '王五', payee: '赵六', watermark: '样张' });
    expect(s).toMatchObject({ checkKey: { id: 'k1', secret: 's'.repeat(16) }, autoEmail: false, verifyAppId: 'wx0123456789abcdef' });
    expect(readReceiptsSettings({ RECEIPT_CHECK_SECRET: 'short' }).checkKey).toBeNull();
    expect(() => readReceiptsSettings({ RECEIPT_CODE: '123' })).toThrow();
    expect(() => readReceiptsSettings({ RECEIPT_VERIFY_URL: 'http://plain.example.com/v' })).toThrow();
  });

  it('keeps the previous check-code keys after a rotation, by id', () => {
    const s = readReceiptsSettings({
      RECEIPT_CHECK_SECRET: 'n'.repeat(20),
      RECEIPT_CHECK_KEY_ID: 'k2',
      RECEIPT_CHECK_SECRET_PREVIOUS: 'k1:' + 'o'.repeat(20) + ', k0:' + 'p'.repeat(16),
    });
    expect(s.checkKey).toEqual({ id: 'k2', secret: 'n'.repeat(20) });
    expect([...s.checkKeys.entries()].sort()).toEqual([
      ['k0', 'p'.repeat(16)],
      ['k1', 'o'.repeat(20)],
      ['k2', 'n'.repeat(20)],
    ]);
    // A new secret under an old id would make old receipts fail: refused.
    expect(() => readReceiptsSettings({ RECEIPT_CHECK_SECRET: 'n'.repeat(20), RECEIPT_CHECK_KEY_ID: 'k1', RECEIPT_CHECK_SECRET_PREVIOUS: 'k1:' + 'o'.repeat(20) })).toThrow();
    expect(() => readReceiptsSettings({ RECEIPT_CHECK_SECRET_PREVIOUS: 'no-colon-here-at-all' })).toThrow();
  });

  it('has no email without SMTP_HOST, and reads the SMTP_* variables', () => {
    expect(readSmtpSettings({})).toBeNull();
    expect(readSmtpSettings({ SMTP_HOST: 'smtp.example.com', SMTP_SECURE: 'true', SMTP_USER: 'u@example.com', SMTP_PASS: 'p' })).toEqual({
      host: 'smtp.example.com',
      port: 465,
      secure: true,
      user: 'u@example.com',
      pass: 'p',
      from: 'u@example.com',
      rejectUnauthorized: true,
    });
    expect(readSmtpSettings({ SMTP_HOST: 'h', SMTP_PORT: '2525', SMTP_FROM: '智慧缴费 <n@x.cn>' })).toMatchObject({ port: 2525, secure: false, from: '智慧缴费 <n@x.cn>' });
    expect(readSmtpSettings({ SMTP_HOST: 'h' })).toBeNull(); // no sender
  });

  it('gives up on a slow or silent SMTP server within 5 s per wait', () => {
    const options = smtpTransportOptions(readSmtpSettings({ SMTP_HOST: 'h', SMTP_FROM: 'n@x.cn' })!);
    expect(SMTP_TIMEOUT_MS).toBeLessThanOrEqual(5_000);
    for (const name of ['connectionTimeout', 'greetingTimeout', 'socketTimeout', 'dnsTimeout'] as const) {
      expect(options[name]).toBeLessThanOrEqual(5_000);
    }
  });

  it('retries a failed automatic email after growing pauses, a bounded number of times', () => {
    const pauses = Array.from({ length: MAX_EMAIL_ATTEMPTS - 1 }, (_, i) => retryDelayMs(i + 1));
    expect(pauses[0]).toBe(2 * 60_000);
    for (let i = 1; i < pauses.length; i += 1) expect(pauses[i]).toBeGreaterThanOrEqual(pauses[i - 1]!);
    expect(Math.max(...pauses)).toBeLessThanOrEqual(2 * 3_600_000);
    expect(MAX_EMAIL_ATTEMPTS).toBeGreaterThan(1);
  });
});
