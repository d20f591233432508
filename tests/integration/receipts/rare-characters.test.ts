/**
 * A payer whose name has a CJK Extension B character (𠮷 U+20BB7, in Noto Sans JP but not SC):
 * paying through the local cloud issues a receipt that prints the name whole, in the fonts the
 * local cloud finds for the receipts function, never as a code point.
 */
import { collection } from '../../../cloudfunctions/shared/runtime';
import { MISSING_GLYPH_NOTE } from '../../../cloudfunctions/shared/receipts/pdf';
import { insertStudentWithSession, payThroughFlow, startReceiptsTestCloud } from '../../support/receipt-fixtures';
import { glyphCells, judgeGlyphs, missingGlyphCell, pdfFonts, pdfText, renderPage } from './pdf-reading';

jest.setTimeout(60_000);

describe('receipts: a name with a rare character', () => {
  let t: Awaited<ReturnType<typeof startReceiptsTestCloud>>;

  beforeAll(async () => {
    t = await startReceiptsTestCloud({ startAt: new Date('2026-03-01T01:00:00Z') });
    process.env.RECEIPT_AUTO_EMAIL = 'false';
  });

  afterAll(async () => {
    delete process.env.RECEIPT_AUTO_EMAIL;
    await t.stop();
  });

  it('issues 王䶮㛃𠮷 a receipt that reads back every character, each drawn with a real glyph', async () => {
    const db = t.cloud.sdkDatabase();
    const student = await insertStudentWithSession(db, t.cloud.clock.now(), { name: '王䶮㛃𠮷' });
    const order = await payThroughFlow(t.cloud, student);
    const receipt = (await collection(db, 'receipts').findOne({ orderId: order._id }))!;
    expect(receipt.status).toBe('ISSUED');
    const pdf = (await t.cloud.storage.read(t.cloud.storage.cloudPathOf(receipt.pdfFileID!)!))!;

    const text = pdfText(pdf);
    expect(text).toContain('交款人：王䶮㛃𠮷');
    expect(text).not.toContain('〔U+');
    expect(text).not.toContain(MISSING_GLYPH_NOTE);
    const verdicts = judgeGlyphs(glyphCells(pdf, '王䶮㛃𠮷', renderPage(pdf)), await missingGlyphCell(9.5));
    expect(verdicts.map((v) => v.char)).toEqual(['王', '䶮', '㛃', '𠮷']);
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
    expect(pdfFonts(pdf).map((font) => font.baseFont.replace(/^[A-Z]{6}\+/, '')).sort()).toEqual(['NotoSansHans-Regular', 'NotoSansJP-Regular']);
    expect(receipt.pdfBytes).toBeLessThanOrEqual(100 * 1024);
  });
});
