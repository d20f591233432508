/**
 * The receipt as a PDF: one page laid out like a 财政电子票据, in Noto Sans SC (from
 * @embedpdf/fonts-sc, embedded as a subset so every name renders, rare characters included), with
 * a QR code carrying the verification data. One font, one weight: a second embedded subset would
 * almost double the file (≈ 45 KB each), so emphasis is drawn (fill + stroke), not a bold face.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { formatFenPlain } from '../shared/domain/money';
import { shanghaiDate, verificationPayload, type ReceiptDoc, type ReceiptPdfVersion } from '../shared/domain/receipt';

const FONT_FILE = 'NotoSansHans-Regular.otf';
const FONT = 'receipt-sc';

/** Parsed once per instance: parsing and laying out with a fresh copy costs ≈ 0.5 s a receipt. */
let fontCache: fontkit.Font | null = null;

/**
 * The font file: RECEIPT_FONT_FILE when set; else fonts/NotoSansHans-Regular.otf beside the
 * deployed index.js when a build put it there; else the one in @embedpdf/fonts-sc (installed
 * beside the function, never bundled).
 */
export function receiptFontPath(): string {
  const configured = process.env.RECEIPT_FONT_FILE?.trim();
  if (configured) return configured;
  const beside = path.join(__dirname, 'fonts', FONT_FILE);
  if (existsSync(beside)) return beside;
  // The package's exports map names only its entry (dist/index.cjs); the fonts sit in ../fonts.
  return path.join(path.dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts', FONT_FILE);
}

function receiptFont(): fontkit.Font {
  if (!fontCache) fontCache = fontkit.create(readFileSync(receiptFontPath()));
  return fontCache;
}

export interface RenderOptions {
  /** Which state the document shows; VOIDED adds the 已冲红 mark. */
  version: ReceiptPdfVersion;
  /** Prefix of the verification link in the QR code (empty: the fields only). */
  verifyUrl: string;
}

export type RenderableReceipt = Omit<ReceiptDoc, 'pdfFileID' | 'pdfBytes' | 'pdfVersion' | 'createdAt' | 'updatedAt' | 'email'>;

const PAGE_WIDTH = 595.28; // A4 width; the height follows the number of lines
const MARGIN = 36;
const INNER = PAGE_WIDTH - 2 * MARGIN;
const FRAME = '#9b2c2c';
const LABEL = '#7a2323';
const INK = '#111111';
const VOID_RED = '#d0021b';

/** Columns of the line table: 项目编码, 项目名称, 数量, 标准（元）, 金额（元）, 备注. */
const COLUMNS = [
  { title: '项目编码', width: 70, align: 'center' },
  { title: '项目名称', width: 165, align: 'left' },
  { title: '数量', width: 40, align: 'center' },
  { title: '标准（元）', width: 80, align: 'right' },
  { title: '金额（元）', width: 80, align: 'right' },
  { title: '备注', width: INNER - 70 - 165 - 40 - 80 - 80, align: 'left' },
] as const;

const ROW_HEIGHT = 22;
const CELL_PAD = 5;
const TEXT_SIZE = 9.5;

/** Renders the receipt. Deterministic for a given record and version (dates come from the record). */
export async function renderReceiptPdf(receipt: RenderableReceipt, options: RenderOptions): Promise<Buffer> {
  const voided = options.version === 'VOIDED';
  // Grey levels without alpha and without per-row filter search: pdfkit then embeds the PNG data
  // as it is (no decoding, no soft mask), which is what keeps a receipt fast to make.
  const qr = await QRCode.toBuffer(verificationPayload(receipt, options.verifyUrl), {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 1,
    scale: 3,
    // pngjs options, passed through by qrcode's PNG renderer (its typings list only deflate ones).
    rendererOpts: { colorType: 0, filterType: 0, deflateLevel: 9 },
  } as QRCode.QRCodeToBufferOptions);

  const lineRows = receipt.lines.length;
  const tableTop = 168;
  const tableHeight = ROW_HEIGHT * (1 + lineRows) + ROW_HEIGHT * 1.4 + ROW_HEIGHT * 2.2;
  const pageHeight = Math.max(420, tableTop + tableHeight + 80);

  const doc = new PDFDocument({
    size: [PAGE_WIDTH, pageHeight],
    margin: 0,
    autoFirstPage: true,
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

  // pdfkit accepts a parsed fontkit font and makes a fresh subset of it for each document.
  doc.registerFont(FONT, receiptFont() as unknown as Buffer);
  doc.font(FONT);

  const write = (value: string, x: number, y: number, opts: PDFKit.Mixins.TextOptions & { size?: number; color?: string; strong?: boolean } = {}) => {
    const { size = TEXT_SIZE, color = INK, strong = false, ...textOptions } = opts;
    doc.fontSize(size).fillColor(color);
    if (strong) doc.strokeColor(color).lineWidth(size / 28);
    doc.text(value, x, y, { lineBreak: false, ...textOptions, ...(strong ? { fill: true, stroke: true } : {}) });
  };
  const labelled = (label: string, value: string, x: number, y: number, width?: number) => {
    write(label, x, y, { color: LABEL });
    const labelWidth = doc.fontSize(TEXT_SIZE).widthOfString(label);
    write(value, x + labelWidth, y, width ? { width: width - labelWidth, ellipsis: true } : {});
  };

  // Header: QR code, title, the numbers.
  doc.image(qr, MARGIN, 30, { width: 74, height: 74 });
  write(receipt.title, MARGIN, 44, { size: 17, color: LABEL, strong: true, width: INNER, align: 'center' });
  const titleWidth = Math.min(INNER - 200, doc.fontSize(17).widthOfString(receipt.title) + 20);
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

  // The table.
  const left = MARGIN;
  const right = MARGIN + INNER;
  let y = tableTop;
  const cellX: number[] = [];
  {
    let x = left;
    for (const column of COLUMNS) {
      cellX.push(x);
      x += column.width;
    }
  }
  const rowText = (values: readonly string[], top: number, color: string) => {
    values.forEach((value, i) => {
      const column = COLUMNS[i]!;
      write(value, cellX[i]! + CELL_PAD, top + (ROW_HEIGHT - TEXT_SIZE) / 2 - 2, {
        width: column.width - 2 * CELL_PAD,
        align: column.align,
        color,
        ellipsis: true,
      });
    });
  };
  rowText(COLUMNS.map((c) => c.title), y, LABEL);
  y += ROW_HEIGHT;
  for (const line of receipt.lines) {
    rowText([line.itemCode, line.itemName, String(line.quantity), formatFenPlain(line.unitAmount), formatFenPlain(line.amount), ''], y, INK);
    y += ROW_HEIGHT;
  }
  const linesBottom = y;

  // 金额合计: capitals and figures.
  const totalRowHeight = ROW_HEIGHT * 1.4;
  const totalTextY = y + (totalRowHeight - TEXT_SIZE) / 2 - 2;
  write('金额合计（大写）', left + CELL_PAD, totalTextY, { color: LABEL });
  write(receipt.totalInWords, left + 100, totalTextY, { size: 10.5, strong: true });
  const figures = `¥${formatFenPlain(receipt.total)}`;
  write('（小写）', right - 150, totalTextY, { color: LABEL });
  write(figures, right - 110, totalTextY, { size: 10.5, strong: true, width: 110 - CELL_PAD, align: 'right' });
  y += totalRowHeight;

  // 其他信息
  const otherHeight = ROW_HEIGHT * 2.2;
  write('其他信息', left + CELL_PAD, y + (otherHeight - TEXT_SIZE) / 2 - 2, { color: LABEL });
  const otherX = left + 70;
  const otherWidth = right - otherX - CELL_PAD;
  write(`学号：${receipt.studentNo}    学年：${receipt.academicYear || '—'}`, otherX + CELL_PAD, y + 8, { width: otherWidth, ellipsis: true });
  write(`订单号：${receipt.outTradeNo}    交易号：${receipt.transactionIdMasked || '—'}`, otherX + CELL_PAD, y + 8 + 16, { width: otherWidth, ellipsis: true });
  y += otherHeight;
  const tableBottom = y;

  // Frame and rules.
  doc.lineWidth(0.8).strokeColor(FRAME);
  doc.rect(left, tableTop, INNER, tableBottom - tableTop).stroke();
  doc.lineWidth(0.5);
  for (let rowY = tableTop + ROW_HEIGHT; rowY <= linesBottom; rowY += ROW_HEIGHT) doc.moveTo(left, rowY).lineTo(right, rowY).stroke();
  doc.moveTo(left, linesBottom + totalRowHeight).lineTo(right, linesBottom + totalRowHeight).stroke();
  for (let i = 1; i < COLUMNS.length; i += 1) doc.moveTo(cellX[i]!, tableTop).lineTo(cellX[i]!, linesBottom).stroke();
  doc.moveTo(otherX, linesBottom + totalRowHeight).lineTo(otherX, tableBottom).stroke();

  // Signatures.
  const footY = tableBottom + 16;
  labelled('收款单位（章）：', receipt.payeeUnit, left, footY, 230);
  labelled('复核人：', receipt.reviewer, left + 250, footY, 120);
  labelled('收款人：', receipt.payee, left + 385, footY, INNER - 385);

  if (voided) {
    // 已冲红: a red stamp over the header and a note under the table.
    doc.save();
    doc.rotate(-12, { origin: [PAGE_WIDTH - MARGIN - 60, 52] });
    doc.lineWidth(2).strokeColor(VOID_RED).roundedRect(PAGE_WIDTH - MARGIN - 115, 34, 110, 38, 6).stroke();
    write('已冲红', PAGE_WIDTH - MARGIN - 115, 42, { size: 20, color: VOID_RED, strong: true, width: 110, align: 'center' });
    doc.restore();
    const note = `本票据已冲红${receipt.voidedAt ? `（${shanghaiDate(receipt.voidedAt)}）` : ''}，不再作为缴费凭证。`;
    write(note, left, footY + 20, { color: VOID_RED });
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
