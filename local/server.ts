import { existsSync, readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { TEXT_BODY_MAX_BYTES } from '../cloudfunctions/shared/kernel/contract';
import type { LocalCloud } from './cloud';
import { cloudPathFromUrlPath } from './storage';

/**
 * The local cloud over HTTP on 127.0.0.1 (never another interface: it trusts the caller's openid).
 *   POST /functions/<name>   body: the event (JSON); header x-wx-openid: the caller → the function's result
 *   GET  /storage/<path>     a signed temporary URL from getTempFileURL
 *   GET  /health
 *   /admin/api/<action>      the admin function's HTTP entry: the request goes to the function as
 *                            the HTTP access service's integration event, its answer comes back as is
 *   GET  /admin/             the finance console (admin/dist, built by `npm run build`)
 * Sandbox endpoints that stand in for WeChat's UI (paying, phone codes…) are added with `route`;
 * those that make data out of thin air for tests (students, paid orders, fault controls) with
 * `testRoute`, which registers them only on a server started with `testRoutes: true`.
 *
 * What a web page in the developer's browser could otherwise do to it is refused: a Host other
 * than 127.0.0.1 / localhost (DNS rebinding: a page whose name now resolves to 127.0.0.1), and a
 * POST whose body is not declared `application/json` (a cross-site form or no-cors fetch can send
 * only form and text types without the browser asking first).
 */

export const OPENID_HEADER = 'x-wx-openid';
const MAX_BODY_BYTES = 1024 * 1024;
/** The HTTP access service's own limit on a request body; the function applies its smaller one. */
const MAX_HTTP_ACCESS_BYTES = 6 * 1024 * 1024;
export const ADMIN_API_PATH = '/admin/api';
export const CONSOLE_DIST = path.join(__dirname, '..', 'admin', 'dist');

/** `127.0.0.1` or `localhost`, with any port (an SSH tunnel may forward another one). */
const ALLOWED_HOST = /^(?:127\.0\.0\.1|localhost)(?::\d{1,5})?$/i;

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

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', '请求内容过大');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'INVALID_JSON', '请求体不是有效的 JSON');
  }
}

function isJsonContentType(header: string | undefined): boolean {
  return (header ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

export interface LocalCloudServerOptions {
  /** Serve the routes added with `testRoute` (tests only; `npm start` never does). */
  testRoutes?: boolean;
}

export class LocalCloudServer {
  private readonly server: http.Server;
  private readonly routes = new Map<string, RouteHandler>();
  private readonly sockets = new Set<Socket>();
  private readonly servesTestRoutes: boolean;

  constructor(
    private readonly cloud: LocalCloud,
    options: LocalCloudServerOptions = {},
  ) {
    this.servesTestRoutes = options.testRoutes ?? false;
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

  /** Adds `POST <path>` only on a server started for tests; elsewhere the path stays 404. */
  testRoute(path: string, handler: RouteHandler): void {
    if (this.servesTestRoutes) this.route(path, handler);
  }

  async listen(port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${address.port}`;
    this.cloud.baseUrl = url;
    // The console served here is the admin function's allowed origin, as the school's console
    // domain is in production (ADMIN_ALLOWED_ORIGINS).
    const origins = new Set((process.env.ADMIN_ALLOWED_ORIGINS ?? '').split(',').filter(Boolean));
    origins.add(url).add(`http://localhost:${address.port}`);
    process.env.ADMIN_ALLOWED_ORIGINS = [...origins].join(',');
    return url;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!ALLOWED_HOST.test(req.headers.host ?? '')) {
      throw new HttpError(403, 'HOST_NOT_ALLOWED', '本地云只接受发往 127.0.0.1 或 localhost 的请求');
    }
    if (req.url === ADMIN_API_PATH || req.url?.startsWith(`${ADMIN_API_PATH}/`)) {
      await forwardToAdminFunction(this.cloud, req, res);
      return;
    }
    if (req.method === 'GET' && (req.url === '/admin' || req.url?.startsWith('/admin/'))) {
      serveConsole(req.url, res);
      return;
    }
    if (req.method === 'POST' && !isJsonContentType(req.headers['content-type'])) {
      throw new HttpError(415, 'JSON_REQUIRED', '请求体须为 JSON（Content-Type: application/json）');
    }
    // Routed on the path exactly as sent (no URL parsing folds '..' or '%2e%2e' away first), so a
    // /storage/ path is judged as it arrived.
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const pathname = queryAt === -1 ? target : target.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));
    const openidHeader = req.headers[OPENID_HEADER];
    const openid = typeof openidHeader === 'string' && openidHeader.trim() !== '' ? openidHeader.trim() : null;

    if (req.method === 'GET' && pathname === '/health') {
      send(res, 200, { ok: true, env: this.cloud.env, now: this.cloud.clock.now().toISOString(), functions: this.cloud.listFunctions() });
      return;
    }
    if (req.method === 'GET' && pathname.startsWith('/storage/')) {
      // A path that is not plainly inside the storage folder ('..', absolute, backslashes, bad
      // encoding) names no file, whatever its signature.
      const cloudPath = cloudPathFromUrlPath(pathname.slice('/storage/'.length));
      if (cloudPath === null) throw new HttpError(404, 'FILE_NOT_FOUND', '文件不存在');
      if (!this.cloud.storage.verifyTempUrl(cloudPath, query.get('expires'), query.get('sign'))) {
        throw new HttpError(403, 'URL_EXPIRED', '链接已过期或无效');
      }
      const content = await this.cloud.storage.read(cloudPath);
      if (!content) throw new HttpError(404, 'FILE_NOT_FOUND', '文件不存在');
      res.writeHead(200, { 'content-type': contentTypeOf(cloudPath), 'content-length': content.length });
      res.end(content);
      return;
    }
    const functionMatch = /^\/functions\/([A-Za-z0-9_-]+)\/?$/.exec(pathname);
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
    const handler = this.routes.get(pathname);
    if (handler) {
      if (req.method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', '请使用 POST');
      send(res, 200, await handler({ body: await readJson(req), query, openid }));
      return;
    }
    throw new HttpError(404, 'NOT_FOUND', '没有这个地址');
  }
}

/** The body types the HTTP access service passes as text; any other it passes base64-encoded. */
const TEXT_BODY = /^(?:text\/|application\/(?:json|[\w.+-]+\+json|x-www-form-urlencoded|xml|javascript)$)/;

/**
 * What the HTTP access service hands the function, and how it sends the function's answer back. Like
 * the service, it takes a text body of at most 100 KB and any other body, which the function receives
 * base64-encoded, of at most 6 MB; it refuses a larger one itself, before the function runs.
 */
async function forwardToAdminFunction(cloud: LocalCloud, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
  const asText = TEXT_BODY.test((headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase());
  const body = await readBody(req, MAX_HTTP_ACCESS_BYTES);
  if (body.length > (asText ? TEXT_BODY_MAX_BYTES : MAX_HTTP_ACCESS_BYTES)) {
    send(res, 413, { code: 'EXCEED_MAX_PAYLOAD_SIZE', message: `Request body size exceeds limit (${asText ? 'text 100KB' : '6MB'})` });
    return;
  }
  const event = {
    path: queryAt === -1 ? target : target.slice(0, queryAt),
    httpMethod: req.method ?? 'GET',
    headers,
    queryStringParameters: Object.fromEntries(new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1))),
    body: body.toString(asText ? 'utf8' : 'base64'),
    isBase64Encoded: !asText,
    requestContext: { sourceIp: req.socket.remoteAddress ?? '' },
  };
  const answer = (await cloud.invoke('admin', event, {})) as { statusCode?: number; headers?: Record<string, string>; body?: string };
  const payload = Buffer.from(answer.body ?? '');
  res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'content-length': payload.length });
  res.end(payload);
}

const CONSOLE_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/**
 * The built console: index.html for /admin/ (the console routes by hash), its files below, and a
 * config.json that points it at this server's admin API with the development tools (模拟扫码) on.
 */
function serveConsole(url: string, res: ServerResponse): void {
  const pathname = url.split('?')[0]!;
  if (pathname === '/admin') {
    res.writeHead(302, { location: '/admin/' });
    res.end();
    return;
  }
  if (pathname === '/admin/config.json') {
    send(res, 200, { apiBase: ADMIN_API_PATH, developmentTools: true });
    return;
  }
  const relative = pathname === '/admin/' ? 'index.html' : pathname.slice('/admin/'.length);
  const file = path.resolve(CONSOLE_DIST, relative);
  if (!file.startsWith(CONSOLE_DIST + path.sep) || !existsSync(file)) {
    if (!existsSync(path.join(CONSOLE_DIST, 'index.html'))) throw new HttpError(404, 'CONSOLE_NOT_BUILT', '财务管理后台尚未构建：先运行 npm run build');
    throw new HttpError(404, 'NOT_FOUND', '没有这个地址');
  }
  const content = readFileSync(file);
  res.writeHead(200, {
    'content-type': CONSOLE_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': content.length,
    'x-content-type-options': 'nosniff',
    // The built files carry content hashes in their names; index.html must be fetched fresh.
    'cache-control': relative === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
  });
  res.end(content);
}

function contentTypeOf(file: string): string {
  if (file.endsWith('.pdf')) return 'application/pdf';
  if (file.endsWith('.png')) return 'image/png';
  if (file.endsWith('.xlsx')) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (file.endsWith('.csv')) return 'text/csv; charset=utf-8';
  return 'application/octet-stream';
}
