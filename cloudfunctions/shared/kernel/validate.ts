/**
 * A small typed validator for action requests. Pure TypeScript so the mini program can import the
 * inferred request types. Messages are Chinese because they reach the user as BAD_REQUEST details.
 */
import { scrubPersonalData } from './mask';

export type Issue = { path: string; message: string };
export type Parsed<T> = { ok: true; value: T } | { ok: false; issue: Issue };

export interface Schema<T> {
  readonly parse: (input: unknown, path?: string) => Parsed<T>;
  /** Phantom field for type inference only. */
  readonly _type?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

const fail = (path: string, message: string): { ok: false; issue: Issue } => ({
  ok: false,
  issue: { path, message },
});

const label = (path: string): string => (path ? `字段 ${path}` : '请求');

function schema<T>(parse: (input: unknown, path: string) => Parsed<T>): Schema<T> {
  return { parse: (input, path = '') => parse(input, path) };
}

export interface StringRules {
  min?: number;
  max?: number;
  pattern?: RegExp;
  trim?: boolean;
}

function string(rules: StringRules = {}): Schema<string> {
  const { min = 0, max = 200, pattern, trim = true } = rules;
  return schema((input, path) => {
    if (typeof input !== 'string') return fail(path, `${label(path)}应为文本`);
    const value = trim ? input.trim() : input;
    if (value.length < min) return fail(path, min <= 1 ? `${label(path)}不能为空` : `${label(path)}至少 ${min} 个字符`);
    if (value.length > max) return fail(path, `${label(path)}最多 ${max} 个字符`);
    if (pattern && !pattern.test(value)) return fail(path, `${label(path)}格式不正确`);
    return { ok: true, value };
  });
}

function integer(rules: { min?: number; max?: number } = {}): Schema<number> {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = rules;
  return schema((input, path) => {
    if (typeof input !== 'number' || !Number.isSafeInteger(input)) return fail(path, `${label(path)}应为整数`);
    if (input < min || input > max) return fail(path, `${label(path)}超出范围`);
    return { ok: true, value: input };
  });
}

function boolean(): Schema<boolean> {
  return schema((input, path) =>
    typeof input === 'boolean' ? { ok: true, value: input } : fail(path, `${label(path)}应为是或否`),
  );
}

function literal<const L extends readonly (string | number)[]>(...values: L): Schema<L[number]> {
  return schema((input, path) =>
    values.includes(input as L[number])
      ? { ok: true, value: input as L[number] }
      : fail(path, `${label(path)}取值无效`),
  );
}

function array<T>(item: Schema<T>, rules: { min?: number; max?: number; unique?: boolean } = {}): Schema<T[]> {
  const { min = 0, max = 1000, unique = false } = rules;
  return schema((input, path) => {
    if (!Array.isArray(input)) return fail(path, `${label(path)}应为列表`);
    if (input.length < min) return fail(path, min <= 1 ? `${label(path)}不能为空` : `${label(path)}至少 ${min} 项`);
    if (input.length > max) return fail(path, `${label(path)}最多 ${max} 项`);
    const out: T[] = [];
    for (let i = 0; i < input.length; i += 1) {
      const parsed = item.parse(input[i], `${path}[${i}]`);
      if (!parsed.ok) return parsed;
      out.push(parsed.value);
    }
    if (unique && new Set(out.map((v) => JSON.stringify(v))).size !== out.length) {
      return fail(path, `${label(path)}有重复项`);
    }
    return { ok: true, value: out };
  });
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Infer<S[K]>;
};

interface Optional<T> extends Schema<T | undefined> {
  readonly optional: true;
}

function optional<T>(inner: Schema<T>): Optional<T> {
  return {
    optional: true,
    parse: (input, path = '') => (input === undefined || input === null ? { ok: true, value: undefined } : inner.parse(input, path)),
  };
}

/** Longest part of a request that a refusal repeats back (in its path and message, and in logs). */
export const MAX_ECHOED_LENGTH = 64;

/** A client-chosen name cut for echoing: a 500,000-character key must not come back in the answer. */
export const echoed = (text: string): string => (text.length > MAX_ECHOED_LENGTH ? `${text.slice(0, MAX_ECHOED_LENGTH)}…` : text);

const hasOwn = (record: object, key: string): boolean => Object.prototype.hasOwnProperty.call(record, key);

/**
 * Objects reject unknown keys, so a typo or a smuggled field (an amount, an openid) is refused.
 * Keys and fields are own properties only: `constructor` or `__proto__` is an unknown key, and a
 * field is never read through the input's prototype.
 */
function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  return schema((input, path) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail(path, `${label(path)}应为对象`);
    const record = input as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!hasOwn(shape, key)) return fail(path ? `${path}.${echoed(key)}` : echoed(key), `不支持的字段 ${echoed(key)}`);
    }
    const out: Record<string, unknown> = {};
    for (const [key, fieldSchema] of Object.entries(shape)) {
      const parsed = fieldSchema.parse(hasOwn(record, key) ? record[key] : undefined, path ? `${path}.${key}` : key);
      if (!parsed.ok) return parsed;
      if (parsed.value !== undefined) out[key] = parsed.value;
    }
    return { ok: true, value: out as ObjectOf<S> };
  });
}

export const v = { string, integer, boolean, literal, array, object, optional };

/** Document ids as the cloud database issues them, or as our importers and seeders choose them. */
/**
 * The reason a staff member gives for a change (the audit log keeps it, and exports it): one rule for
 * every such field. A phone or ID number typed into it ("本人来电 13812345678") is kept masked.
 */
export const REASON_MIN_LENGTH = 4;
export const REASON_TOO_SHORT = `请填写原因（至少 ${REASON_MIN_LENGTH} 个字）`;
export const reasonText = (): Schema<string> =>
  schema((input, path) => {
    const parsed = string({ max: 200 }).parse(input, path);
    if (!parsed.ok) return parsed;
    if (Array.from(parsed.value).length < REASON_MIN_LENGTH) return fail(path, REASON_TOO_SHORT);
    return { ok: true, value: scrubPersonalData(parsed.value) };
  });

export const docId = (): Schema<string> => string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ });
