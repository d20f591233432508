/**
 * The receipt's fonts as a fallback chain, character by character: Noto Sans SC first (nearly all
 * of Extension A, but only 211 characters of Extension B and later), then Noto Sans JP and Noto
 * Sans TC, which between them add 2,082 of those that SC lacks (𠮷 U+20BB7 is in JP).
 * A font further down the chain is parsed and embedded only for a receipt that needs it, so a
 * receipt in plain characters carries one subset, byte for byte as before.
 *
 * Text that one font draws whole is laid out by pdfkit as it always was; text that needs two or
 * more is split into runs, wrapped here (CJK breaks between any two characters, Latin at spaces) and
 * drawn run by run on a shared baseline (the three fonts have the same em, ascender and descender).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as fontkit from 'fontkit';

/** The font files, in fallback order, as `npm run build` puts them in fonts/ beside index.js. */
export const RECEIPT_FONT_FILES = ['NotoSansHans-Regular.otf', 'NotoSansJP-Regular.otf', 'NotoSansHant-Regular.otf'] as const;

/**
 * The files to use, in fallback order: RECEIPT_FONT_FILE when set (one path, or several separated
 * by the platform's path delimiter, `:` on Linux), else RECEIPT_FONT_FILES in fonts/ beside the
 * function's code. The function never looks for a font package: none is installed beside it.
 */
export function receiptFontPaths(): string[] {
  const configured = (process.env.RECEIPT_FONT_FILE ?? '')
    .split(path.delimiter)
    .map((file) => file.trim())
    .filter(Boolean);
  if (configured.length > 0) return configured;
  return RECEIPT_FONT_FILES.map((file) => path.join(__dirname, 'fonts', file));
}

/** Parsed once per instance and file: parsing and laying out with a fresh copy costs ≈ 0.5 s a receipt. */
const parsedFonts = new Map<string, fontkit.Font>();

function parsedFont(file: string): fontkit.Font {
  let font = parsedFonts.get(file);
  if (!font) {
    font = fontkit.create(readFileSync(file));
    parsedFonts.set(file, font);
  }
  return font;
}

export interface FontChain {
  readonly files: readonly string[];
  /** The first font of the chain that has a glyph for the code point, or -1 when none has. */
  indexFor(codePoint: number): number;
  /** The parsed font at that place in the chain (parsed on first use). */
  font(index: number): fontkit.Font;
}

/** The chain for this instance's settings. Every file must exist: a missing one is a broken deployment. */
export function receiptFontChain(): FontChain {
  const files = receiptFontPaths();
  for (const file of files) {
    if (!existsSync(file)) {
      throw new Error(`receipt font not found at ${file}: run npm run build (it copies ${RECEIPT_FONT_FILES.join(', ')} into fonts/ beside index.js), or set RECEIPT_FONT_FILE`);
    }
  }
  const font = (index: number): fontkit.Font => parsedFont(files[index]!);
  return {
    files,
    font,
    indexFor(codePoint) {
      for (let index = 0; index < files.length; index += 1) if (font(index).hasGlyphForCodePoint(codePoint)) return index;
      return -1;
    },
  };
}

/** How a character no font has is printed: its code point, in brackets a reader recognises. */
export const missingGlyphText = (codePoint: number): string => `〔U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}〕`;

/**
 * The text with each character that no font of the chain can draw replaced by its code point;
 * `missing` collects those code points (as U+XXXX).
 */
export function printableText(chain: FontChain, value: string, missing: Set<string>): string {
  let out = '';
  for (const char of value) {
    const codePoint = char.codePointAt(0)!;
    if (codePoint < 0x20 || chain.indexFor(codePoint) >= 0) {
      out += char;
      continue;
    }
    const shown = missingGlyphText(codePoint);
    missing.add(shown.slice(1, -1));
    out += shown;
  }
  return out;
}

/** A stretch of text drawn in one font of the chain. */
export interface TextRun {
  text: string;
  font: number;
}

const isSpace = (char: string): boolean => /\s/.test(char);

/**
 * The text cut where the font changes. Spaces and control characters stay in the run around them
 * when its font has them, so a fallback character does not split the text at every space.
 */
export function fontRuns(chain: FontChain, value: string): TextRun[] {
  const runs: TextRun[] = [];
  for (const char of value) {
    const codePoint = char.codePointAt(0)!;
    const current = runs[runs.length - 1];
    const keepsCurrent = current && (codePoint < 0x20 || (isSpace(char) && chain.font(current.font).hasGlyphForCodePoint(codePoint)));
    const font = keepsCurrent ? current.font : Math.max(0, chain.indexFor(codePoint));
    if (current && current.font === font) current.text += char;
    else runs.push({ text: char, font });
  }
  return runs;
}

/** Characters a line must not start with (closing punctuation stays with what it closes). */
const NO_LINE_START = new Set('，。、；：？！）】》」』〕〉”’,.;:?!)]}…');
/** Letters, digits and the like that hold together as a word (no break inside). */
const isWordChar = (char: string): boolean => !isSpace(char) && char.codePointAt(0)! < 0x2e80;

function canBreakBefore(previous: string, next: string): boolean {
  if (NO_LINE_START.has(next)) return false;
  if (isSpace(previous)) return !isSpace(next);
  return !(isWordChar(previous) && isWordChar(next));
}

/**
 * Draws and measures text in the chain's fonts on one document. Each font is registered with the
 * document, and so embedded as a subset, the first time a run needs it.
 */
export class FallbackTextPainter {
  private readonly registered = new Set<number>();
  private readonly charWidths = new Map<string, number>();

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly chain: FontChain,
  ) {}

  /** Makes a font of the chain the document's current font at `size`. */
  use(font: number, size: number): void {
    const name = `receipt-font-${font}`;
    if (!this.registered.has(font)) {
      // pdfkit accepts a parsed fontkit font and makes a fresh subset of it for each document.
      this.doc.registerFont(name, this.chain.font(font) as unknown as Buffer);
      this.registered.add(font);
    }
    this.doc.font(name).fontSize(size);
  }

  runs(value: string): TextRun[] {
    return fontRuns(this.chain, value);
  }

  width(value: string, size: number): number {
    return this.runs(value).reduce((sum, run) => {
      this.use(run.font, size);
      return sum + this.doc.widthOfString(run.text);
    }, 0);
  }

  /** The height the text takes in a box `width` wide, as pdfkit measures it (one line at least). */
  height(value: string, width: number, size: number): number {
    const runs = this.runs(value || ' ');
    if (runs.length === 1) {
      this.use(runs[0]!.font, size);
      return this.doc.heightOfString(runs[0]!.text, { width });
    }
    this.use(0, size);
    return this.wrap(value, width, size).length * this.doc.currentLineHeight(true);
  }

  /**
   * Draws the text with its top-left at (x, y). Text in one font goes to pdfkit with the options as
   * given; text in several is wrapped in `width` when there is one, aligned, and painted run by run.
   */
  draw(value: string, x: number, y: number, size: number, options: PDFKit.Mixins.TextOptions = {}): void {
    const runs = this.runs(value);
    if (runs.length <= 1) {
      this.use(runs[0]?.font ?? 0, size);
      this.doc.text(value, x, y, options);
      return;
    }
    const { width, align = 'left', fill, stroke } = options;
    const paint = { ...(fill !== undefined ? { fill } : {}), ...(stroke !== undefined ? { stroke } : {}) };
    this.use(0, size);
    const lineHeight = this.doc.currentLineHeight(true);
    const lines = width === undefined ? [value] : this.wrap(value, width, size);
    lines.forEach((line, i) => {
      const lineWidth = this.width(line, size);
      let cx = x;
      if (width !== undefined && align === 'center') cx += (width - lineWidth) / 2;
      if (width !== undefined && align === 'right') cx += width - lineWidth;
      for (const run of this.runs(line)) {
        this.use(run.font, size);
        this.doc.text(run.text, cx, y + i * lineHeight, { lineBreak: false, ...paint });
        cx += this.doc.widthOfString(run.text);
      }
    });
  }

  private charWidth(char: string, size: number): number {
    const key = `${size}|${char}`;
    let width = this.charWidths.get(key);
    if (width === undefined) {
      width = this.width(char, size);
      this.charWidths.set(key, width);
    }
    return width;
  }

  /** Lines that fit `width`: broken at the last allowed place, or anywhere in a word wider than the box. */
  private wrap(value: string, width: number, size: number): string[] {
    const lines: string[] = [];
    for (const paragraph of value.split('\n')) {
      let line: string[] = [];
      let lineWidth = 0;
      for (const char of paragraph) {
        const charWidth = this.charWidth(char, size);
        if (line.length > 0 && lineWidth + charWidth > width && !isSpace(char)) {
          let cut = line.length;
          for (let at = line.length; at > 0; at -= 1) {
            if (canBreakBefore(line[at - 1]!, at < line.length ? line[at]! : char)) {
              cut = at;
              break;
            }
          }
          lines.push(line.slice(0, cut).join('').trimEnd());
          line = line.slice(cut);
          while (line.length > 0 && isSpace(line[0]!)) line.shift();
          lineWidth = line.reduce((sum, c) => sum + this.charWidth(c, size), 0);
        }
        if (line.length === 0 && isSpace(char) && lines.length > 0) continue;
        line.push(char);
        lineWidth += charWidth;
      }
      lines.push(line.join('').trimEnd());
    }
    return lines;
  }
}
