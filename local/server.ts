import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { LocalCloud } from './cloud';

/**
 * The local cloud over HTTP on 127.0.0.1 (never another interface: it trusts the caller's openid).
 *   POST /functions/<name>   body: the event (JSON); header x-wx-openid: the caller → the function's result
 *   GET  /storage/<path>     a signed temporary URL from getTempFileURL
 *   GET  /health
 * Sandbox endpoints (paying, phone codes…) are added with `route`.
 */

export const OPENID_HEADER = 'x-wx-openid';
const MAX_BODY_BYTES = 1024 * 1024;

export type RouteHandler = (request: { body: unknown; query: URLSearchParams; openid: string | null }) => Promise<unknown>;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length, ...headers });
  res.end(payload);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', '请求内容过大');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'INVALID_JSON', '请求体不是有效的 JSON');
  }
}

export class LocalCloudServer {
  private readonly server: http.Server;
  private readonly routes = new Map<string, RouteHandler>();
  private readonly sockets = new Set<Socket>();

  constructor(private readonly cloud: LocalCloud) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        const known = error instanceof HttpError ? error : null;
        if (!known) console.error('[local-cloud] request failed', error);
        if (!res.headersSent) {
          send(res, known?.status ?? 500, { error: { code: known?.code ?? 'INTERNAL', message: known?.message ?? '本地云内部错误' } });
        } else res.end();
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Adds `POST <path>` (JSON in, JSON out). */
  route(path: string, handler: RouteHandler): void {
    this.routes.set(path, handler);
  }

  async listen(port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${address.port}`;
    this.cloud.baseUrl = url;
    return url;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const openidHeader = req.headers[OPENID_HEADER];
    const openid = typeof openidHeader === 'string' && openidHeader.trim() !== '' ? openidHeader.trim() : null;

    if (req.method === 'GET' && url.pathname === '/health') {
      send(res, 200, { ok: true, env: this.cloud.env, functions: this.cloud.listFunctions() });
      return;
    }
    if (req.method === 'GET' && url.pathname.startsWith('/storage/')) {
      const cloudPath = url.pathname.slice('/storage/'.length).split('/').map(decodeURIComponent).join('/');
      if (!this.cloud.storage.verifyTempUrl(cloudPath, url.searchParams.get('expires'), url.searchParams.get('sign'))) {
        throw new HttpError(403, 'URL_EXPIRED', '链接已过期或无效');
      }
      const content = await this.cloud.storage.read(cloudPath);
      if (!content) throw new HttpError(404, 'FILE_NOT_FOUND', '文件不存在');
      res.writeHead(200, { 'content-type': contentTypeOf(cloudPath), 'content-length': content.length });
      res.end(content);
      return;
    }
    const functionMatch = /^\/functions\/([A-Za-z0-9_-]+)\/?$/.exec(url.pathname);
    if (functionMatch) {
      if (req.method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', '请使用 POST 调用云函数');
      const name = functionMatch[1] as string;
      if (!this.cloud.hasFunction(name)) throw new HttpError(404, 'FUNCTION_NOT_FOUND', `云函数 ${name} 不存在`);
      if (!openid) throw new HttpError(401, 'OPENID_REQUIRED', `缺少调用者身份（请求头 ${OPENID_HEADER}）`);
      const event = await readJson(req);
      if (typeof event !== 'object' || event === null || Array.isArray(event)) {
        throw new HttpError(400, 'INVALID_EVENT', '请求体应为 JSON 对象');
      }
      let result: unknown;
      try {
        result = await this.cloud.invoke(name, event, { openid });
      } catch (error) {
        console.error(`[local-cloud] function ${name} crashed`, error);
        throw new HttpError(502, 'FUNCTION_EXECUTION_FAILED', `云函数 ${name} 执行出错`);
      }
      send(res, 200, result);
      return;
    }
    const handler = this.routes.get(url.pathname);
    if (handler) {
      if (req.method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', '请使用 POST');
      send(res, 200, await handler({ body: await readJson(req), query: url.searchParams, openid }));
      return;
    }
    throw new HttpError(404, 'NOT_FOUND', '没有这个地址');
  }
}

function contentTypeOf(file: string): string {
  if (file.endsWith('.pdf')) return 'application/pdf';
  if (file.endsWith('.png')) return 'image/png';
  if (file.endsWith('.xlsx')) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (file.endsWith('.csv')) return 'text/csv; charset=utf-8';
  return 'application/octet-stream';
}
