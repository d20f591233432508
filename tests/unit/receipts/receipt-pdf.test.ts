/**
 * The receipt PDF as a person reads it: what it says (text layer) and what it shows (rendered
 * pixels, each character of the names checked for a real glyph, not a box or a blank), in the
 * fonts the function is deployed with (SC, then JP and TC for what SC lacks).
 */
import path from 'node:path';
import { MISSING_GLYPH_NOTE, renderReceiptPdf, type RenderableReceipt } from '../../../cloudfunctions/shared/receipts/pdf';
import { fen } from '../../../cloudfunctions/shared/kernel/money';
import { newReceipt } from '../../../cloudfunctions/shared/receipts/domain/receipt';
import {
  cellAt,
  drawnInReceiptFont,
  glyphCells,
  judgeGlyphs,
  missingGlyphCell,
  pdfFonts,
  pdfPageCount,
  pdfText,
  readQrCode,
  renderPage,
  similarity,
  wordBoxes,
  type GlyphCell,
} from '../../integration/receipts/pdf-reading';
import { developmentFontFiles, developmentFontSetting } from '../../../local/receipts';

jest.setTimeout(60_000);

const at = new Date('2026-03-01T02:30:00Z');

function receipt(overrides: { payerName?: string; lines?: number; watermark?: string; names?: string[] } = {}): RenderableReceipt {
  const count = overrides.lines ?? 2;
  const names = overrides.names ?? ['学费', '住宿费', '教材费', '体检费', '军训服装费', '保险费', '考试费', '资料费', '实验费', '网络课程费'];
  const lines = Array.from({ length: count }, (_, i) => ({
    billId: `b${i}`,
    term: '2026-2027-1',
    academicYear: '2026-2027',
    itemCode: `X${i}`,
    itemName: names[i % names.length]!,
    amount: fen(i === 0 ? 320000 : 120000),
  }));
  const fields = newReceipt({
    order: {
      _id: 'ord1',
      studentId: 'stu1',
      studentNo: '20260001',
      outTradeNo: 'ZHJF20260301000000123456',
      paidAt: at,
      email: 'a@example.com',
      total: fen(lines.reduce((sum, line) => sum + line.amount, 0)),
      lines,
    },
    payer: { name: overrides.payerName ?? '刘䶮玥', studentNo: '20260001', idMasked: '3706**********123X' },
    settings: {
      title: '山东省非税收入统一票据（电子）',
      receiptCode: '37060126',
      payeeUnit: '计划财务处',
      reviewer: '王㛃',
      payee: '张堃',
      watermark: overrides.watermark ?? '样张',
    },
    sequence: 42,
    checkCode: 'AB3C4D',
    checkKeyId: 'k1',
    storageKey: '0123456789abcdef0123456789abcdef',
    transactionIdMasked: '4200****7890',
    at,
  });
  return { _id: 'ord1', ...fields };
}

let tofu95: GlyphCell;

beforeAll(async () => {
  process.env.RECEIPT_FONT_FILE = developmentFontSetting();
  tofu95 = await missingGlyphCell(9.5);
});

describe('receipt PDF', () => {
  let pdf: Buffer;

  beforeAll(async () => {
    pdf = await renderReceiptPdf(receipt(), { version: 'ISSUED', verifyUrl: '' });
  });

  it('says what a 财政电子票据 says: payer, 学号, number, amount in figures and in words, lines, signatories', () => {
    const text = pdfText(pdf);
    for (const expected of [
      '山东省非税收入统一票据（电子）',
      '票据代码：37060126',
      '票据号码：0000000042',
      'AB3C4D',
      '开票日期：2026-03-01',
      '交款人统一社会信用代码：3706**********123X',
      '交款人：刘䶮玥',
      '学号：20260001',
      '学年：2026-2027',
      '订单号：ZHJF20260301000000123456',
      '交易号：4200****7890',
      '学费',
      '住宿费',
      '3,200.00',
      '1,200.00',
      '金额合计（大写）',
      '肆仟肆佰元整',
      '¥4,400.00',
      '收款单位（章）：计划财务处',
      '复核人：王㛃',
      '收款人：张堃',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('已冲红');
    // The watermark: 样张 in large type across the page.
    const big = wordBoxes(pdf).filter((word) => word.yMax - word.yMin > 50).map((word) => word.text);
    expect(big).toEqual(['样张']);
  });

  it('draws every character of the names with a real glyph, including 䶮 㛃 堃 玥', () => {
    const image = renderPage(pdf);
    const cells = [...glyphCells(pdf, '刘䶮玥', image), ...glyphCells(pdf, '王㛃', image), ...glyphCells(pdf, '张堃', image)];
    const verdicts = judgeGlyphs(cells, tofu95);
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
    // And they are different shapes (not one fallback glyph drawn for all of them).
    const rare = cells.filter((cell) => '䶮㛃堃玥'.includes(cell.char));
    expect(rare.map((cell) => cell.char).sort()).toEqual(['㛃', '䶮', '堃', '玥'].sort());
    for (let i = 0; i < rare.length; i += 1) {
      for (let j = i + 1; j < rare.length; j += 1) expect(similarity(rare[i]!, rare[j]!)).toBeLessThan(0.8);
    }
  });

  it('embeds one subset font with a Unicode map, and stays one page under 100 KB', () => {
    // A subset (tagged name) of the CFF font, embedded, with the map that makes its text searchable.
    expect(pdfFonts(pdf)).toEqual([
      {
        baseFont: expect.stringMatching(/^[A-Z]{6}\+NotoSansHans-Regular$/),
        subtype: 'Type0',
        descendantSubtype: 'CIDFontType0',
        encoding: 'Identity-H',
        fontFile: 'FontFile3',
        fontFileSubtype: 'CIDFontType0C',
        toUnicode: true,
      },
    ]);
    expect(pdfPageCount(pdf)).toBe(1);
    expect(pdf.length).toBeLessThanOrEqual(100 * 1024);
  });

  it('carries the verification data in a QR code that reads back from the rendered page', async () => {
    const image = renderPage(pdf, 200);
    expect(await readQrCode(image, 36, 30, 74)).toBe('ZHJF|37060126|0000000042|AB3C4D|20260301|440000');
  });

  it('is the same document when made again (a retry stores the same file)', async () => {
    const again = await renderReceiptPdf(receipt(), { version: 'ISSUED', verifyUrl: '' });
    expect(again.equals(pdf)).toBe(true);
  });

  it('marks a voided receipt 已冲红, and a production receipt has no watermark', async () => {
    const voided = await renderReceiptPdf({ ...receipt(), status: 'VOIDED', voidedAt: new Date('2026-03-05T02:00:00Z') }, { version: 'VOIDED', verifyUrl: '' });
    expect(pdfText(voided)).toContain('已冲红');
    expect(pdfText(voided)).toContain('本票据已冲红（2026-03-05），不再作为缴费凭证。');
    const production = await renderReceiptPdf(receipt({ watermark: '' }), { version: 'ISSUED', verifyUrl: '' });
    expect(wordBoxes(production).filter((word) => word.yMax - word.yMin > 50)).toEqual([]);
  });

  it('fits an order of ten bills on one page', async () => {
    const long = await renderReceiptPdf(receipt({ lines: 10 }), { version: 'ISSUED', verifyUrl: '' });
    expect(pdfPageCount(long)).toBe(1);
    const text = pdfText(long);
    expect(text).toContain('网络课程费');
    expect(text).toContain('壹万肆仟元整');
    expect(text).toContain('¥14,000.00');
    expect(long.length).toBeLessThanOrEqual(100 * 1024);
  });
});

describe('long texts and characters the font lacks', () => {
  const LONG = '2026-2027学年继续教育学院高起本学历教育学费（函授）';

  it('wraps a long item name inside its cell, whole, and makes the row as tall as it needs', async () => {
    const pdf = await renderReceiptPdf(receipt({ names: [LONG, '住宿费'] }), { version: 'ISSUED', verifyUrl: '' });
    const text = pdfText(pdf);
    expect(text.replace(/\s+/g, '')).toContain(LONG);
    expect(text).not.toContain('…');
    // On more than one line, all inside the 项目名称 column (x 106–291 pt), above the next row's text.
    const parts = wordBoxes(pdf).filter((word) => LONG.includes(word.text) && word.text.length > 1);
    expect(new Set(parts.map((word) => Math.round(word.yMin))).size).toBeGreaterThan(1);
    for (const word of parts) {
      expect(word.xMin).toBeGreaterThanOrEqual(106);
      expect(word.xMax).toBeLessThanOrEqual(291);
    }
    const next = wordBoxes(pdf).find((word) => word.text === '住宿费')!;
    expect(Math.max(...parts.map((word) => word.yMax))).toBeLessThan(next.yMin);
    expect(pdfPageCount(pdf)).toBe(1);
    // The rest of the receipt is still all there.
    expect(text).toContain('肆仟肆佰元整');
    expect(text).toContain('收款人：张堃');
  });

  it('prints a character no font has (𠀀, U+20000) as its code point with a note, drawn with real glyphs, and says so', async () => {
    const reported: string[][] = [];
    const pdf = await renderReceiptPdf(receipt({ payerName: '𠀀田优' }), { version: 'ISSUED', verifyUrl: '', onMissingGlyphs: (codes) => reported.push(codes) });
    expect(reported).toEqual([['U+20000']]);
    const text = pdfText(pdf);
    expect(text).toContain('交款人：〔U+20000〕田优');
    expect(text).toContain(MISSING_GLYPH_NOTE);
    // The marker is ink a person reads, not the missing-glyph box.
    const verdicts = judgeGlyphs(glyphCells(pdf, '〔', renderPage(pdf)), tofu95);
    expect(verdicts).toEqual([expect.objectContaining({ char: '〔', ok: true })]);
    // Names the font has are untouched, and nothing is reported.
    const plain: string[][] = [];
    await renderReceiptPdf(receipt(), { version: 'ISSUED', verifyUrl: '', onMissingGlyphs: (codes) => plain.push(codes) });
    expect(plain).toEqual([]);
  });
});

describe('rare characters from the fallback fonts (SC, then JP, then TC)', () => {
  const [, jpFont] = developmentFontFiles();
  const subsetNames = (pdf: Buffer): string[] => pdfFonts(pdf).map((font) => font.baseFont.replace(/^[A-Z]{6}\+/, '')).sort();

  it('prints 王䶮㛃𠮷 whole: every character in the text layer, each drawn with a real glyph, no code point and no note', async () => {
    const reported: string[][] = [];
    const pdf = await renderReceiptPdf(receipt({ payerName: '王䶮㛃𠮷' }), { version: 'ISSUED', verifyUrl: '', onMissingGlyphs: (codes) => reported.push(codes) });
    expect(reported).toEqual([]);
    const text = pdfText(pdf);
    expect(text).toContain('交款人：王䶮㛃𠮷');
    expect(text).not.toContain('〔U+');
    expect(text).not.toContain(MISSING_GLYPH_NOTE);

    const image = renderPage(pdf);
    const cells = glyphCells(pdf, '王䶮㛃𠮷', image);
    expect(cells.map((cell) => cell.char)).toEqual(['王', '䶮', '㛃', '𠮷']);
    expect(judgeGlyphs(cells, tofu95).filter((v) => !v.ok)).toEqual([]);
    // 𠮷 is the character itself: the same shape as Noto Sans JP draws it on its own.
    const alone = await drawnInReceiptFont('𠮷', 9.5, 20, 20, { fontFile: jpFont });
    expect(similarity(cells[3]!, cellAt(renderPage(alone), '𠮷', 20, 20, 9.5))).toBeGreaterThan(0.85);
    expect(similarity(cells[3]!, cells[0]!)).toBeLessThan(0.8);

    // SC for the rest, JP's subset only for 𠮷; still one page well under 100 KB.
    expect(subsetNames(pdf)).toEqual(['NotoSansHans-Regular', 'NotoSansJP-Regular']);
    expect(pdfPageCount(pdf)).toBe(1);
    expect(pdf.length).toBeLessThanOrEqual(100 * 1024);
  });

  it('takes each character from the first font that has it: 𠮷 from JP, 𠀡 (only in TC) from TC, 㛃 from SC', async () => {
    const pdf = await renderReceiptPdf(receipt({ payerName: '㛃𠀡' }), { version: 'ISSUED', verifyUrl: '' });
    expect(pdfText(pdf)).toContain('交款人：㛃𠀡');
    expect(subsetNames(pdf)).toEqual(['NotoSansHans-Regular', 'NotoSansHant-Regular']);
    expect(judgeGlyphs(glyphCells(pdf, '㛃𠀡'), tofu95).filter((v) => !v.ok)).toEqual([]);
    const both = await renderReceiptPdf(receipt({ payerName: '𠮷𠀡' }), { version: 'ISSUED', verifyUrl: '' });
    expect(subsetNames(both)).toEqual(['NotoSansHans-Regular', 'NotoSansHant-Regular', 'NotoSansJP-Regular']);
  });

  it('wraps a long item name that mixes fonts inside its cell, whole and in order', async () => {
    const LONG = '2026-2027学年继续教育学院𠮷高起本学历教育学费（函授）';
    const pdf = await renderReceiptPdf(receipt({ names: [LONG, '住宿费'] }), { version: 'ISSUED', verifyUrl: '' });
    expect(pdfText(pdf).replace(/\s+/g, '')).toContain(LONG);
    const parts = wordBoxes(pdf).filter((word) => LONG.includes(word.text) && word.text.length > 1);
    expect(new Set(parts.map((word) => Math.round(word.yMin))).size).toBeGreaterThan(1);
    for (const word of parts) {
      expect(word.xMin).toBeGreaterThanOrEqual(106);
      expect(word.xMax).toBeLessThanOrEqual(291);
    }
    const next = wordBoxes(pdf).find((word) => word.text === '住宿费')!;
    expect(Math.max(...parts.map((word) => word.yMax))).toBeLessThan(next.yMin);
  });

  it('refuses to render with a font file missing, naming it (a deployment without its fonts)', async () => {
    const saved = process.env.RECEIPT_FONT_FILE;
    process.env.RECEIPT_FONT_FILE = [developmentFontFiles()[0], '/nonexistent/NotoSansJP-Regular.otf'].join(path.delimiter);
    try {
      await expect(renderReceiptPdf(receipt(), { version: 'ISSUED', verifyUrl: '' })).rejects.toThrow('/nonexistent/NotoSansJP-Regular.otf');
    } finally {
      process.env.RECEIPT_FONT_FILE = saved;
    }
  });
});

describe('the glyph check bites', () => {
  it('fails a name the font cannot draw (drawn without the code-point fallback): the text layer loses it and the page shows boxes', async () => {
    const broken = await drawnInReceiptFont('交款人：김민', 9.5, 20, 20);
    expect(pdfText(broken)).not.toContain('김민');
    // Where the name is printed (after the label 交款人：), the cells hold the missing-glyph box.
    const label = wordBoxes(broken).find((word) => word.text.startsWith('交款人：'))!;
    const em = label.yMax - label.yMin;
    const image = renderPage(broken);
    const cells = ['김', '민'].map((char, i) => cellAt(image, char, label.xMin + (4 + i) * em, label.yMin, em));
    expect(judgeGlyphs(cells, tofu95).map((v) => v.why)).toEqual(['missing-glyph box', 'missing-glyph box']);
  });

  it('fails a name whose text layer is right while the page draws the box for one character', async () => {
    // 赵, the missing glyph (code 0, from U+E000), 玥; then the text layer's map says code 0 is 堃.
    const drawn = (await drawnInReceiptFont('交款人：赵\uE000玥', 9.5, 20, 20, { compress: false })).toString('latin1');
    const lying = Buffer.from(drawn.replace('beginbfrange\n<0000> <0006> [<0000>', 'beginbfrange\n<0000> <0006> [<5803>'), 'latin1');
    expect(pdfText(lying)).toContain('交款人：赵堃玥');
    expect(judgeGlyphs(glyphCells(lying, '赵堃玥'), tofu95).map((v) => v.why)).toEqual(['', 'missing-glyph box', '']);
  });

  it('fails blank cells (a font that draws nothing)', async () => {
    const image = renderPage(await renderReceiptPdf(receipt(), { version: 'ISSUED', verifyUrl: '' }));
    // An empty stretch of paper right of the payer line.
    const blank = cellAt(image, '?', 300, 132, 9.5);
    expect(judgeGlyphs([blank], tofu95)[0]!.why).toBe('blank');
  });

  it('tells the box from real glyphs at every size the receipt uses', async () => {
    for (const size of [9.5, 10.5, 17]) {
      const image = renderPage(await drawnInReceiptFont('䶮\uE000㛃가', size, 20.37, 20.61));
      const cells = Array.from('䶮\uE000㛃가').map((char, i) => cellAt(image, char, 20.37 + i * size, 20.61, size));
      expect(judgeGlyphs(cells, await missingGlyphCell(size)).map((v) => v.ok)).toEqual([true, false, true, false]);
    }
  });
});
