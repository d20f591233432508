/**
 * How the genuine wx-server-sdk sends a `cloud.openapi.*` call and what it expects back: the call
 * as a protobuf `CommApiData` handed to its provider's `callWXOpenAPI` (the local cloud routes it
 * to a sandbox with `{ raw: Buffer }`), the answer as WeChat's gateway returns it,
 * `{ contentType, respData }` with the JSON body of the real HTTP API.
 */
// The SDK's request encoding (wx-server-sdk 4.0.2, src/protobuf/openapi.js):
//   CommApiData { 1: apiType (enum), 2: openapiData OpenApiData, 6: appid string }
//   OpenApiData { 1: repeated KeyValuePair pairs }
//   KeyValuePair { 1: key string, 2: value bytes (JSON text of the value), 3: contenttype, 4: filename }

class ProtoReader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}
  get done(): boolean {
    return this.offset >= this.buffer.length;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.offset >= this.buffer.length) throw new Error('truncated varint');
      const byte = this.buffer[this.offset++] as number;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  }
  bytes(): Buffer {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.buffer.length) throw new Error('truncated field');
    const out = this.buffer.subarray(this.offset, end);
    this.offset = end;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.offset += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.offset += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
  /** Iterates the fields of one message. */
  *fields(): Generator<{ field: number; wireType: number }> {
    while (!this.done) {
      const tag = this.varint();
      yield { field: Math.floor(tag / 8), wireType: tag & 7 };
    }
  }
}

export interface DecodedOpenApiCall {
  apiType: number;
  appid: string | null;
  /** Parameters as the SDK sent them (snake_case keys; JSON values parsed, media left as Buffers). */
  params: Record<string, unknown>;
}

export function decodeOpenApiRequest(raw: Buffer): DecodedOpenApiCall {
  const call: DecodedOpenApiCall = { apiType: 0, appid: null, params: {} };
  const reader = new ProtoReader(raw);
  for (const { field, wireType } of reader.fields()) {
    if (field === 1 && wireType === 0) call.apiType = reader.varint();
    else if (field === 6 && wireType === 2) call.appid = reader.bytes().toString('utf8');
    else if (field === 2 && wireType === 2) {
      const data = new ProtoReader(reader.bytes());
      for (const pairField of data.fields()) {
        if (pairField.field !== 1 || pairField.wireType !== 2) {
          data.skip(pairField.wireType);
          continue;
        }
        const pair = new ProtoReader(data.bytes());
        let key = '';
        let value = Buffer.alloc(0);
        let contentType: string | null = null;
        for (const kv of pair.fields()) {
          if (kv.field === 1 && kv.wireType === 2) key = pair.bytes().toString('utf8');
          else if (kv.field === 2 && kv.wireType === 2) value = Buffer.from(pair.bytes());
          else if (kv.field === 3 && kv.wireType === 2) contentType = pair.bytes().toString('utf8');
          else pair.skip(kv.wireType);
        }
        if (contentType) call.params[key] = value;
        else {
          try {
            call.params[key] = JSON.parse(value.toString('utf8'));
          } catch {
            call.params[key] = value;
          }
        }
      }
    } else reader.skip(wireType);
  }
  return call;
}

/** The gateway's answer carrying a JSON body, as the SDK expects it back from callWXOpenAPI. */
export function openApiJson(body: Record<string, unknown>): { contentType: string; respData: Buffer } {
  return { contentType: 'application/json', respData: Buffer.from(JSON.stringify(body)) };
}

let ridCounter = 0;
/** A request id as WeChat puts it in its error messages. */
export const rid = (): string => `local-${Date.now().toString(16)}-${(ridCounter += 1).toString(16)}`;
