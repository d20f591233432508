import { scrubPersonalData } from '../kernel/mask';

/**
 * Structured logs, one JSON line each, scrubbed of email addresses, ID and phone numbers before
 * they leave the process. Cloud Development collects stdout; the local cloud can install a sink to inspect them.
 */
export type LogLevel = 'info' | 'warn' | 'error';
export interface LogRecord {
  level: LogLevel;
  fn: string;
  msg: string;
  requestId?: string;
  [field: string]: unknown;
}

export interface Logger {
  /** The function writing these lines (each entry makes its logger with its own name). */
  readonly functionName: string;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const SINK_KEY = Symbol.for('zhihui-jiaofei.logSink');
type Sink = (line: string) => void;

export function installLogSink(sink: Sink | undefined): void {
  (globalThis as Record<symbol, Sink | undefined>)[SINK_KEY] = sink;
}

// Phone-number codes are named `code`/`phoneCode` in requests; error codes are logged as `errorCode`.
const SECRET_FIELDS = /password|secret|token|session_?key|^code$|phoneCode/i;

function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = SECRET_FIELDS.test(key) && typeof field === 'string' ? '[redacted]' : redactSecrets(field, depth + 1);
  }
  return out;
}

export function createLogger(fn: string, requestId?: string): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    const record: LogRecord = { level, fn, msg, ...(requestId ? { requestId } : {}), ...(redactSecrets(fields ?? {}) as object) };
    const line = scrubPersonalData(JSON.stringify(record));
    const sink = (globalThis as Record<symbol, Sink | undefined>)[SINK_KEY];
    if (sink) sink(line);
    else if (level === 'error') console.error(line);
    else console.log(line);
  };
  return {
    functionName: fn,
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}
