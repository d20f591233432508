/**
 * The receipt as a PDF: one page laid out like a 财政电子票据, in Noto Sans SC with Noto Sans JP and
 * TC behind it character by character (font-fallback.ts), each embedded as a subset only when the
 * receipt uses it, so every name renders, Extension B characters such as 𠮷 included, and a plain
 * receipt stays one subset (a fallback subset adds ≈ 19 KB). One weight: emphasis is drawn (fill +
 * stroke), not a bold face.
 * Long texts (an item name such as 2026-2027学年继续教育学院高起本学历教育学费（函授）) wrap, and
 * each table row is as tall as its tallest cell. A character no font has is printed as its code
 * point (〔U+20000〕) with a note under the table, and reported to the caller, never drawn as an
 * empty box.
 */
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { formatFenPlain } from '../kernel/money';
import { shanghaiDate, verificationPayload, type ReceiptDoc, type ReceiptPdfVersion } from './domain/receipt';
import { FallbackTextPainter, printableText, receiptFontChain } from './font-fallback';

export { missingGlyphText, RECEIPT_FONT_FILES, receiptFontPaths } from './font-fallback';

/** The note printed under the table when some character had to be printed as its code point. */
export const MISSING_GLYPH_NOTE = '注：〔U+…〕处为字库暂缺的字，括号内为该字的 Unicode 编码。';

export interface RenderOptions {
  /** Which state the document shows; VOIDED adds the 已冲红 mark. */
  version: ReceiptPdfVersion;
  /** Prefix of the verification link in the QR code (empty: see verifyAppId). */
  verifyUrl?: string;
  /** The mini program's AppID for a 明文 URL Scheme to the verify page when there is no verifyUrl. */
  verifyAppId?: string;
  /** Told which characters (as U+XXXX) no font has, when any; they are printed as code points. */
  onMissingGlyphs?: (codePoints: string[]) => void;
}

export type RenderableReceipt = Omit<ReceiptDoc, 'pdfFileID' | 'pdfBytes' | 'pdfVersion' | 'createdAt' | 'updatedAt' | 'email'>;

const PAGE_WIDTH = 595.28; // A4 width; the height follows the content
const MARGIN = 36;
const INNER = PAGE_WIDTH - 2 * MARGIN;
const FRAME = '#9b2c2c';
const LABEL = '#7a2323';
const INK = '#111111';
const VOID_RED = '#d0021b';

/** Columns of the line table: 项目编码, 项目名称, 数量, 标准（元）, 金额（元）, 备注. */
const COLUMNS = [
  { title: '项目编码', width: 70, align: 'center' },
  { title: '项目名称', width: 185, align: 'left' },
  { title: '数量', width: 40, align: 'center' },
  { title: '标准（元）', width: 80, align: 'right' },
  { title: '金额（元）', width: 80, align: 'right' },
  { title: '备注', width: INNER - 70 - 185 - 40 - 80 - 80, align: 'left' },
] as const;

const ROW_HEIGHT = 22;
const CELL_PAD = 5;
/** Space above and below the text of a row that wraps. */
const ROW_PAD = 5;
const TEXT_SIZE = 9.5;
const TABLE_TOP = 168;

/** Renders the receipt. Deterministic for a given record and version (dates come from the record). */
export async function renderReceiptPdf(source: RenderableReceipt, options: RenderOptions): Promise<Buffer> {
  const voided = options.version === 'VOIDED';
  const fonts = receiptFontChain();
  const missing = new Set<string>();
  const fit = (value: string): string => printableText(fonts, value, missing);
  const receipt = {
    ...source,
    title: fit(source.title),
    payerName: fit(source.payerName),
    payerIdMasked: fit(source.payerIdMasked),
    studentNo: fit(source.studentNo),
    academicYear: fit(source.academicYear),
    payeeUnit: fit(source.payeeUnit),
    reviewer: fit(source.reviewer),
    payee: fit(source.payee),
    watermark: fit(source.watermark),
    lines: source.lines.map((line) => ({ ...line, itemCode: fit(line.itemCode), itemName: fit(line.itemName) })),
  };
  if (missing.size > 0) options.onMissingGlyphs?.([...missing]);

  // Grey levels without alpha and without per-row filter search: pdfkit then embeds the PNG data
  // as it is (no decoding, no soft mask), which is what keeps a receipt fast to make.
  const qr = await QRCode.toBuffer(verificationPayload(source, { url: options.verifyUrl ?? '', appId: options.verifyAppId ?? '' }), {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 1,
    scale: 3,
    // pngjs options, passed through by qrcode's PNG renderer (its typings list only deflate ones).
    rendererOpts: { colorType: 0, filterType: 0, deflateLevel: 9 },
  } as QRCode.QRCodeToBufferOptions);

  const doc = new PDFDocument({
    autoFirstPage: false,
    compress: true,
    info: {
      Title: `${receipt.title} ${receipt.receiptNo}`,
      Author: receipt.payeeUnit,
      Subject: `票据代码 ${receipt.receiptCode} 票据号码 ${receipt.receiptNo}`,
      Creator: '智慧缴费',
      Producer: '智慧缴费',
      CreationDate: receipt.issuedAt,
      ModDate: receipt.voidedAt && voided ? receipt.voidedAt : receipt.issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const painter = new FallbackTextPainter(doc, fonts);
  painter.use(0, TEXT_SIZE);

  // ---- Measure first: the page is as tall as what it holds. -----------------------------------
  const heightOf = (value: string, width: number, size = TEXT_SIZE): number => painter.height(value || ' ', width, size);
  const rowOf = (values: readonly string[]) => {
    const heights = values.map((value, i) => heightOf(value, COLUMNS[i]!.width - 2 * CELL_PAD));
    return { values, heights, height: Math.max(ROW_HEIGHT, Math.max(...heights) + 2 * ROW_PAD) };
  };
  const rows = [
    rowOf(COLUMNS.map((c) => c.title)),
    ...receipt.lines.map((line) => rowOf([line.itemCode, line.itemName, String(line.quantity), formatFenPlain(line.unitAmount), formatFenPlain(line.amount), ''])),
  ];
  const left = MARGIN;
  const right = MARGIN + INNER;
  const otherX = left + 70;
  const otherWidth = right - otherX - 2 * CELL_PAD;
  const otherLines = [
    `学号：${receipt.studentNo}    学年：${receipt.academicYear || '—'}`,
    `订单号：${receipt.outTradeNo}    交易号：${receipt.transactionIdMasked || '—'}`,
  ];
  const otherHeights = otherLines.map((value) => heightOf(value, otherWidth));
  const totalRowHeight = ROW_HEIGHT * 1.4;
  const otherHeight = Math.max(ROW_HEIGHT * 2.2, otherHeights.reduce((a, b) => a + b, 0) + 4 + 2 * 8);
  const linesBottom = TABLE_TOP + rows.reduce((sum, row) => sum + row.height, 0);
  const tableBottom = linesBottom + totalRowHeight + otherHeight;
  const footY = tableBottom + 16;
  const notes = [
    ...(voided ? [{ text: `本票据已冲红${receipt.voidedAt ? `（${shanghaiDate(receipt.voidedAt)}）` : ''}，不再作为缴费凭证。`, color: VOID_RED }] : []),
    ...(missing.size > 0 ? [{ text: MISSING_GLYPH_NOTE, color: INK }] : []),
  ];
  const pageHeight = Math.max(420, footY + 20 + notes.length * 18 + 50);
  doc.addPage({ size: [PAGE_WIDTH, pageHeight], margin: 0 });

  const write = (value: string, x: number, y: number, opts: PDFKit.Mixins.TextOptions & { size?: number; color?: string; strong?: boolean } = {}) => {
    const { size = TEXT_SIZE, color = INK, strong = false, ...textOptions } = opts;
    doc.fillColor(color);
    if (strong) doc.strokeColor(color).lineWidth(size / 28);
    painter.draw(value, x, y, size, { lineBreak: false, ...textOptions, ...(strong ? { fill: true, stroke: true } : {}) });
  };
  const labelled = (label: string, value: string, x: number, y: number, width?: number) => {
    write(label, x, y, { color: LABEL });
    const labelWidth = painter.width(label, TEXT_SIZE);
    write(value, x + labelWidth, y, width ? { width: width - labelWidth, ellipsis: true } : {});
  };

  // Header: QR code, title, the numbers.
  doc.image(qr, MARGIN, 30, { width: 74, height: 74 });
  write(receipt.title, MARGIN, 44, { size: 17, color: LABEL, strong: true, width: INNER, align: 'center' });
  const titleWidth = Math.min(INNER - 200, painter.width(receipt.title, 17) + 20);
  const titleLeft = MARGIN + (INNER - titleWidth) / 2;
  doc.lineWidth(0.8).strokeColor(FRAME).moveTo(titleLeft, 70).lineTo(titleLeft + titleWidth, 70).stroke();
  doc.moveTo(titleLeft, 73).lineTo(titleLeft + titleWidth, 73).stroke();

  const numbersX = PAGE_WIDTH - MARGIN - 150;
  labelled('票据代码：', receipt.receiptCode, numbersX, 84);
  labelled('票据号码：', receipt.receiptNo, numbersX, 100);
  labelled('校 验 码：', receipt.checkCode, numbersX, 116);
  labelled('开票日期：', shanghaiDate(receipt.issuedAt), numbersX, 132);

  labelled('交款人统一社会信用代码：', receipt.payerIdMasked || '—', MARGIN, 116, numbersX - MARGIN - 10);
  labelled('交款人：', receipt.payerName, MARGIN, 132, numbersX - MARGIN - 10);

  // The table: each row as tall as its tallest cell, each cell's text wrapped and centred in it.
  const cellX: number[] = [];
  {
    let x = left;
    for (const column of COLUMNS) {
      cellX.push(x);
      x += column.width;
    }
  }
  let y = TABLE_TOP;
  const rowBottoms: number[] = [];
  rows.forEach((row, index) => {
    row.values.forEach((value, i) => {
      const column = COLUMNS[i]!;
      write(value, cellX[i]! + CELL_PAD, y + (row.height - row.heights[i]!) / 2, {
        width: column.width - 2 * CELL_PAD,
        align: column.align,
        color: index === 0 ? LABEL : INK,
        lineBreak: true,
      });
    });
    y += row.height;
    rowBottoms.push(y);
  });

  // 金额合计: capitals and figures.
  const totalTextY = y + (totalRowHeight - TEXT_SIZE) / 2 - 2;
  write('金额合计（大写）', left + CELL_PAD, totalTextY, { color: LABEL });
  write(receipt.totalInWords, left + 100, totalTextY, { size: 10.5, strong: true });
  const figures = `¥${formatFenPlain(receipt.total)}`;
  write('（小写）', right - 150, totalTextY, { color: LABEL });
  write(figures, right - 110, totalTextY, { size: 10.5, strong: true, width: 110 - CELL_PAD, align: 'right' });
  y += totalRowHeight;

  // 其他信息
  write('其他信息', left + CELL_PAD, y + (otherHeight - TEXT_SIZE) / 2 - 2, { color: LABEL });
  let otherY = y + 8;
  otherLines.forEach((value, i) => {
    write(value, otherX + CELL_PAD, otherY, { width: otherWidth, lineBreak: true });
    otherY += otherHeights[i]! + 4;
  });

  // Frame and rules.
  doc.lineWidth(0.8).strokeColor(FRAME);
  doc.rect(left, TABLE_TOP, INNER, tableBottom - TABLE_TOP).stroke();
  doc.lineWidth(0.5);
  for (const rowY of rowBottoms) doc.moveTo(left, rowY).lineTo(right, rowY).stroke();
  doc.moveTo(left, linesBottom + totalRowHeight).lineTo(right, linesBottom + totalRowHeight).stroke();
  for (let i = 1; i < COLUMNS.length; i += 1) doc.moveTo(cellX[i]!, TABLE_TOP).lineTo(cellX[i]!, linesBottom).stroke();
  doc.moveTo(otherX, linesBottom + totalRowHeight).lineTo(otherX, tableBottom).stroke();

  // Signatures, then the notes (已冲红, characters printed as code points).
  labelled('收款单位（章）：', receipt.payeeUnit, left, footY, 230);
  labelled('复核人：', receipt.reviewer, left + 250, footY, 120);
  labelled('收款人：', receipt.payee, left + 385, footY, INNER - 385);
  notes.forEach((note, i) => write(note.text, left, footY + 20 + i * 18, { color: note.color, width: INNER, ellipsis: true }));

  if (voided) {
    // 已冲红: a red stamp over the header.
    doc.save();
    doc.rotate(-12, { origin: [PAGE_WIDTH - MARGIN - 60, 52] });
    doc.lineWidth(2).strokeColor(VOID_RED).roundedRect(PAGE_WIDTH - MARGIN - 115, 34, 110, 38, 6).stroke();
    write('已冲红', PAGE_WIDTH - MARGIN - 115, 42, { size: 20, color: VOID_RED, strong: true, width: 110, align: 'center' });
    doc.restore();
  }

  if (receipt.watermark) {
    doc.save();
    doc.opacity(0.12);
    doc.rotate(-24, { origin: [PAGE_WIDTH / 2, pageHeight / 2] });
    write(receipt.watermark, 0, pageHeight / 2 - 60, { size: 110, color: '#c0392b', width: PAGE_WIDTH, align: 'center' });
    doc.restore();
  }

  doc.end();
  return finished;
}
