/**
 * MuPDF for the tests, called synchronously: a worker thread (mupdf-worker.mjs) loads it once per
 * test file, and each call here posts the PDF, then blocks on a shared cell until the worker has
 * answered. Answers are cached per PDF, so reading one receipt several ways parses it once.
 * MuPDF is AGPL-3.0: a devDependency used only by tests, never in a function bundle or the mini program.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

export interface PdfChar {
  char: string;
  /** Font size, points. */
  size: number;
  /** The character's box (its quad's bounds), points from the top-left of the page. */
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/** What a font dictionary says about itself (for a Type0 font, with its CID font's descriptor). */
export interface PdfFontFacts {
  baseFont: string;
  subtype: string;
  descendantSubtype: string | null;
  encoding: string | null;
  /** FontFile (Type 1), FontFile2 (TrueType) or FontFile3 (CFF, OpenType); null when not embedded. */
  fontFile: string | null;
  fontFileSubtype: string | null;
  toUnicode: boolean;
}

export interface PdfReading {
  pageCount: number;
  /** All pages, as MuPDF lays the text out: a line per row. */
  text: string;
  /** Page 1's text lines, character by character. */
  lines: PdfChar[][];
  fonts: PdfFontFacts[];
}

export interface PdfRender {
  width: number;
  height: number;
  /** 0 = black … 255 = white, row by row. */
  pixels: Uint8Array;
}

type Request = { kind: 'read'; pdf: Uint8Array } | { kind: 'render'; pdf: Uint8Array; dpi: number };
type Reply = { ok: true; value: unknown } | { ok: false; error: string };

/** The shared cell's states (kept in step with mupdf-worker.mjs). */
const IDLE = 0;
const ASKED = 1;
const ANSWERED = 2;
/** Longer than any one page takes, even with the WebAssembly start-up on a busy machine. */
const ANSWER_TIMEOUT_MS = 60_000;
const WORKER_FILE = path.join(__dirname, 'mupdf-worker.mjs');

interface RunningWorker {
  port: MessagePort;
  state: Int32Array;
}

let running: RunningWorker | undefined;

function startWorker(): RunningWorker {
  const state = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_FILE, { workerData: { port: port2, state }, transferList: [port2] });
  // Neither keeps the test process alive; the worker ends itself when idle.
  worker.unref();
  port1.unref();
  return { port: port1, state };
}

function ask(request: Request): unknown {
  // A worker that has ended itself (state CLOSED) or none yet: start one.
  if (!running || Atomics.compareExchange(running.state, 0, IDLE, ASKED) !== IDLE) {
    running = startWorker();
    Atomics.store(running.state, 0, ASKED);
  }
  const { port, state } = running;
  port.postMessage(request);
  if (Atomics.wait(state, 0, ASKED, ANSWER_TIMEOUT_MS) === 'timed-out') {
    running = undefined;
    throw new Error(`MuPDF worker (${WORKER_FILE}) did not answer within ${ANSWER_TIMEOUT_MS} ms`);
  }
  const reply = receiveMessageOnPort(port)?.message as Reply | undefined;
  if (Atomics.load(state, 0) !== ANSWERED || !reply) throw new Error('MuPDF worker answered out of turn');
  Atomics.store(state, 0, IDLE);
  if (!reply.ok) throw new Error(`MuPDF: ${reply.error}`);
  return reply.value;
}

/** The last few answers, by what was asked of which bytes (renders are ~2 MB each). */
const CACHE_SIZE = 12;
const cache = new Map<string, unknown>();

function cached<T>(pdf: Buffer, request: Request): T {
  const key = `${request.kind}:${request.kind === 'render' ? request.dpi : ''}:${createHash('sha256').update(pdf).digest('hex')}`;
  if (!cache.has(key)) {
    cache.set(key, ask(request));
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  return cache.get(key) as T;
}

export function readPdf(pdf: Buffer): PdfReading {
  return cached<PdfReading>(pdf, { kind: 'read', pdf: new Uint8Array(pdf) });
}

/** Page 1 in grey levels at `dpi`. */
export function renderPdfPage(pdf: Buffer, dpi: number): PdfRender {
  return cached<PdfRender>(pdf, { kind: 'render', pdf: new Uint8Array(pdf), dpi });
}
