/**
 * Reading a PDF the way a person does: the text on it and what it looks like, down to each
 * character's cell, so a font that draws boxes (tofu) or nothing for a name fails the test even when
 * the text layer is right. MuPDF reads and renders (tests/support/pdf-tool.ts); Node is all it needs.
 */
import { readPdf, renderPdfPage, type PdfChar, type PdfFontFacts } from '../../support/pdf-tool';
import { decodeQr } from '../../support/qr';

/** The text a reader sees, whitespace collapsed to single spaces. */
export function pdfText(pdf: Buffer): string {
  return readPdf(pdf).text.replace(/\s+/g, ' ').trim();
}

export function pdfPageCount(pdf: Buffer): number {
  return readPdf(pdf).pageCount;
}

/** The fonts the file carries, as their dictionaries describe them. */
export function pdfFonts(pdf: Buffer): PdfFontFacts[] {
  return readPdf(pdf).fonts;
}

export interface WordBox {
  text: string;
  /** Points, from the top-left of the page. */
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  chars: PdfChar[];
}

/** Words of page 1 (a line's characters between spaces) with their boxes. */
export function wordBoxes(pdf: Buffer): WordBox[] {
  const words: WordBox[] = [];
  for (const line of readPdf(pdf).lines) {
    let chars: PdfChar[] = [];
    for (const char of [...line, undefined]) {
      if (char && !/\s/.test(char.char)) {
        chars.push(char);
        continue;
      }
      if (chars.length > 0) {
        words.push({
          text: chars.map((c) => c.char).join(''),
          xMin: Math.min(...chars.map((c) => c.xMin)),
          yMin: Math.min(...chars.map((c) => c.yMin)),
          xMax: Math.max(...chars.map((c) => c.xMax)),
          yMax: Math.max(...chars.map((c) => c.yMax)),
          chars,
        });
      }
      chars = [];
    }
  }
  return words;
}

export interface GrayImage {
  width: number;
  height: number;
  /** 0 = black … 255 = white, row by row. */
  pixels: Uint8Array;
  dpi: number;
}

/** Page 1 rendered in grey levels (cached per PDF: read the pixels, do not write them). */
export function renderPage(pdf: Buffer, dpi = 200): GrayImage {
  return { ...renderPdfPage(pdf, dpi), dpi };
}

/** A square cell of the image, as ink (true) / paper (false). */
export interface GlyphCell {
  char: string;
  size: number;
  ink: boolean[];
}

const INK_LEVEL = 150;

/** The cell of one full-width character whose em box starts at (xPt, yPt) with the given size. */
export function cellAt(image: GrayImage, char: string, xPt: number, yPt: number, sizePt: number): GlyphCell {
  const scale = image.dpi / 72;
  const size = Math.round(sizePt * scale);
  const x0 = Math.round(xPt * scale);
  const y0 = Math.round(yPt * scale);
  const ink: boolean[] = [];
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const px = x0 + x;
      const py = y0 + y;
      const inside = px >= 0 && py >= 0 && px < image.width && py < image.height;
      ink.push(inside ? image.pixels[py * image.width + px]! < INK_LEVEL : false);
    }
  }
  return { char, size, ink };
}

/**
 * The cells of `target` where it is printed (first word containing it), each placed on its own
 * character box. Its characters must be full-width (box as wide as tall) so each cell is one em.
 */
export function glyphCells(pdf: Buffer, target: string, image: GrayImage = renderPage(pdf)): GlyphCell[] {
  const word = wordBoxes(pdf).find((w) => w.text.includes(target));
  if (!word) throw new Error(`"${target}" is not in the PDF's text`);
  const start = Array.from(word.text.slice(0, word.text.indexOf(target))).length;
  return word.chars.slice(start, start + Array.from(target).length).map((box) => {
    const em = box.yMax - box.yMin;
    if (Math.abs(box.xMax - box.xMin - em) > 0.05 * em) throw new Error(`"${word.text}": cannot place "${box.char}" (not full-width)`);
    return cellAt(image, box.char, box.xMin, box.yMin, em);
  });
}

export const inkRatio = (cell: GlyphCell): number => cell.ink.filter(Boolean).length / cell.ink.length;

/** The cell reduced to a GRID×GRID occupancy pattern (a block is inked when ≥ 12% of it is), shifted by (dx, dy) pixels. */
const GRID = 12;
function pattern(cell: GlyphCell, dx = 0, dy = 0): boolean[] {
  const at = (x: number, y: number): boolean => {
    const sx = x - dx;
    const sy = y - dy;
    return sx >= 0 && sy >= 0 && sx < cell.size && sy < cell.size && cell.ink[sy * cell.size + sx]!;
  };
  const out: boolean[] = [];
  for (let gy = 0; gy < GRID; gy += 1) {
    for (let gx = 0; gx < GRID; gx += 1) {
      const x0 = Math.floor((gx * cell.size) / GRID);
      const x1 = Math.floor(((gx + 1) * cell.size) / GRID);
      const y0 = Math.floor((gy * cell.size) / GRID);
      const y1 = Math.floor(((gy + 1) * cell.size) / GRID);
      let inked = 0;
      let total = 0;
      for (let y = y0; y < y1; y += 1) {
        for (let x = x0; x < x1; x += 1) {
          total += 1;
          if (at(x, y)) inked += 1;
        }
      }
      out.push(total > 0 && inked / total >= 0.12);
    }
  }
  return out;
}

function iou(pa: boolean[], pb: boolean[]): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < pa.length; i += 1) {
    if (pa[i] && pb[i]) both += 1;
    if (pa[i] || pb[i]) either += 1;
  }
  return either === 0 ? 1 : both / either;
}

/**
 * How alike two cells look: the best intersection over union of their occupancy patterns with `b`
 * moved up to 2 pixels each way (text lands on sub-pixel positions). 1 = same shape.
 */
export function similarity(a: GlyphCell, b: GlyphCell): number {
  const pa = pattern(a);
  let best = 0;
  for (let dy = -2; dy <= 2; dy += 1) for (let dx = -2; dx <= 2; dx += 1) best = Math.max(best, iou(pa, pattern(b, dx, dy)));
  return best;
}

export interface GlyphVerdict {
  char: string;
  ink: number;
  /** Similarity to the font's missing-glyph box. */
  tofu: number;
  ok: boolean;
  why: string;
}

/**
 * Limits a real character's cell stays within, measured on Noto Sans SC at 9.5–17 pt, 200 dpi: real
 * characters are 7–55% inked and at most ≈ 0.53 like the box; the box itself scores ≥ 0.9.
 */
export const GLYPH_LIMITS = { minInk: 0.04, maxInk: 0.6, maxTofuSimilarity: 0.75 } as const;

/** Judges each cell: inked like a character, and not the box a missing glyph draws. */
export function judgeGlyphs(cells: GlyphCell[], tofuReference: GlyphCell): GlyphVerdict[] {
  return cells.map((cell) => {
    const ink = inkRatio(cell);
    const tofu = similarity(cell, tofuReference);
    let why = '';
    if (ink < GLYPH_LIMITS.minInk) why = 'blank';
    else if (ink > GLYPH_LIMITS.maxInk) why = 'solid';
    else if (tofu > GLYPH_LIMITS.maxTofuSimilarity) why = 'missing-glyph box';
    return { char: cell.char, ink: Number(ink.toFixed(3)), tofu: Number(tofu.toFixed(3)), ok: why === '', why };
  });
}

/**
 * `text` on a small page in the receipt font, as pdfkit draws it; `compress: false` leaves its
 * streams readable; `fontFile` draws it in another of the receipt fonts (default: the first, SC).
 */
export async function drawnInReceiptFont(text: string, sizePt: number, xPt: number, yPt: number, { compress = true, fontFile = '' } = {}): Promise<Buffer> {
  // Loaded here so the text-only helpers above do not pull in pdfkit.
  const { default: PDFDocument } = await import('pdfkit');
  // The receipts font itself: the copy deployed beside the function, else the package's (the same file).
  const { developmentFontFile } = await import('../../../local/receipts');
  const doc = new PDFDocument({ size: [300, 80], margin: 0, compress });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  doc.registerFont('receipt', fontFile || developmentFontFile()).font('receipt').fontSize(sizePt).fillColor('#111111');
  doc.text(text, xPt, yPt, { lineBreak: false });
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

/**
 * The box the receipt font draws for a character it does not have (its .notdef glyph), rendered
 * the same way at the same size: what a broken or missing font puts where a name should be.
 */
export async function missingGlyphCell(sizePt: number, dpi = 200): Promise<GlyphCell> {
  return cellAt(renderPage(await drawnInReceiptFont('\uE000', sizePt, 20, 20), dpi), '\uE000', 20, 20, sizePt);
}

/** Reads the QR code in a square region of the page, as a phone would from the printed receipt. */
export function readQrCode(image: GrayImage, xPt: number, yPt: number, sizePt: number): Promise<string> {
  const scale = image.dpi / 72;
  const margin = Math.round(8 * scale);
  const x0 = Math.max(0, Math.round(xPt * scale) - margin);
  const y0 = Math.max(0, Math.round(yPt * scale) - margin);
  const size = Math.round(sizePt * scale) + 2 * margin;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const px = x0 + x;
      const py = y0 + y;
      const level = px < image.width && py < image.height ? image.pixels[py * image.width + px]! : 255;
      data.set([level, level, level, 255], (y * size + x) * 4);
    }
  }
  return decodeQr({ width: size, height: size, data });
}
