// Reads and renders PDFs for the tests with MuPDF, in a worker thread that tests/support/pdf-tool.ts
// starts and waits on synchronously. A worker because MuPDF is an ES module with WebAssembly, which
// jest's CommonJS module system cannot import; one per test file so WebAssembly starts once.
// MuPDF is AGPL-3.0: a devDependency used only by tests, never in a function bundle or the mini program.
import { workerData } from 'node:worker_threads';

/** States of the shared cell (kept in step with pdf-tool.ts; 1 = asked, set by the caller). */
const IDLE = 0;
const ANSWERED = 2;
const CLOSED = 3;
/** An idle worker ends itself, so test files that are done do not keep one each. */
const IDLE_EXIT_MS = 5_000;

const { port, state } = workerData;
const mupdf = import('mupdf');

const name = (object) => (object.isName() ? object.asName() : null);

/** What a font dictionary says about itself; for a Type0 font, with its CID font's descriptor. */
function fontFacts(font) {
  const descendant = font.get('DescendantFonts').get(0);
  const descriptor = (descendant.isNull() ? font : descendant).get('FontDescriptor');
  const fontFile = ['FontFile', 'FontFile2', 'FontFile3'].find((key) => !descriptor.isNull() && !descriptor.get(key).isNull()) ?? null;
  return {
    baseFont: name(font.get('BaseFont')) ?? '',
    subtype: name(font.get('Subtype')) ?? '',
    descendantSubtype: descendant.isNull() ? null : name(descendant.get('Subtype')),
    encoding: name(font.get('Encoding')),
    fontFile,
    fontFileSubtype: fontFile ? name(descriptor.get(fontFile).get('Subtype')) : null,
    toUnicode: !font.get('ToUnicode').isNull(),
  };
}

/** Every font dictionary in the file that a page can select (not the CID fonts under a Type0). */
function fonts(document) {
  const found = [];
  for (let number = 1; number < document.countObjects(); number += 1) {
    const object = document.newIndirect(number).resolve();
    if (!object.isDictionary() || name(object.get('Type')) !== 'Font') continue;
    if (['CIDFontType0', 'CIDFontType2'].includes(name(object.get('Subtype')))) continue;
    found.push(fontFacts(object));
  }
  return found;
}

/**
 * Page 1's text lines, each character with its box. MuPDF's walker truncates characters beyond
 * U+FFFF to 16 bits, so each one is taken from the page's plain text, which walks the same lines in
 * the same order (one line per row, a blank row after each block), and checked against it.
 */
function linesOf(structured) {
  const text = Array.from(structured.asText());
  let next = 0;
  const takeChar = (truncated) => {
    while (text[next] === '\n') next += 1;
    const char = text[next++];
    if (char === undefined || (char.codePointAt(0) & 0xffff) !== truncated.charCodeAt(0)) {
      throw new Error(`MuPDF's characters and text disagree at ${next}: ${JSON.stringify(truncated)} vs ${JSON.stringify(char)}`);
    }
    return char;
  };
  const lines = [];
  structured.walk({
    beginLine: () => lines.push([]),
    onChar: (char, _origin, _font, size, quad) => {
      const xs = [quad[0], quad[2], quad[4], quad[6]];
      const ys = [quad[1], quad[3], quad[5], quad[7]];
      lines.at(-1).push({ char: takeChar(char), size, xMin: Math.min(...xs), yMin: Math.min(...ys), xMax: Math.max(...xs), yMax: Math.max(...ys) });
    },
  });
  return lines;
}

/** Runs `use`, then frees the MuPDF objects it kept, newest first: now, not whenever the collector runs. */
function withFreed(use) {
  const made = [];
  const keep = (object) => {
    made.push(object);
    return object;
  };
  try {
    return use(keep);
  } finally {
    for (const object of made.reverse()) object.destroy();
  }
}

async function read({ pdf }) {
  const { Document } = await mupdf;
  return withFreed((keep) => {
    const document = keep(Document.openDocument(pdf, 'application/pdf'));
    const pageTexts = [];
    let lines = [];
    for (let index = 0; index < document.countPages(); index += 1) {
      const structured = keep(keep(document.loadPage(index)).toStructuredText());
      pageTexts.push(structured.asText());
      if (index === 0) lines = linesOf(structured);
    }
    return { pageCount: document.countPages(), text: pageTexts.join('\n'), lines, fonts: fonts(document) };
  });
}

async function render({ pdf, dpi }) {
  const { ColorSpace, Document, Matrix } = await mupdf;
  return withFreed((keep) => {
    const page = keep(keep(Document.openDocument(pdf, 'application/pdf')).loadPage(0));
    const pixmap = keep(page.toPixmap(Matrix.scale(dpi / 72, dpi / 72), ColorSpace.DeviceGray, false, true));
    const width = pixmap.getWidth();
    const height = pixmap.getHeight();
    const stride = pixmap.getStride();
    const source = pixmap.getPixels();
    // Copied out of WebAssembly memory, one byte per pixel, row by row.
    const pixels = new Uint8Array(width * height);
    for (let y = 0; y < height; y += 1) pixels.set(source.subarray(y * stride, y * stride + width), y * width);
    return { width, height, pixels };
  });
}

let idleTimer;
function armIdleExit() {
  idleTimer = setTimeout(() => {
    // Only when no request is on its way: the caller marks one before posting it.
    if (Atomics.compareExchange(state, 0, IDLE, CLOSED) === IDLE) port.close();
  }, IDLE_EXIT_MS);
}

port.on('message', async (request) => {
  clearTimeout(idleTimer);
  let reply;
  try {
    const value = request.kind === 'render' ? await render(request) : await read(request);
    reply = { ok: true, value };
  } catch (error) {
    reply = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(reply, reply.ok && reply.value.pixels ? [reply.value.pixels.buffer] : []);
  Atomics.store(state, 0, ANSWERED);
  Atomics.notify(state, 0);
  armIdleExit();
});
armIdleExit();
