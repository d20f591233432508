import http from 'node:http';

/** Plain HTTP calls to the local cloud, the way the mini program's local transport makes them. */
export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON (null when empty or not JSON). */
  json: unknown;
}

function exchange(options: http.RequestOptions, body: string | Buffer | undefined): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const buffer = Buffer.concat(chunks);
        let json: unknown = null;
        try {
          json = buffer.length ? JSON.parse(buffer.toString('utf8')) : null;
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buffer, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A request with a JSON body (`content-type: application/json` unless `headers` names another, e.g. for a compressed one). */
export function httpRequest(method: 'GET' | 'POST' | 'OPTIONS', url: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<HttpReply> {
  const target = new URL(url);
  return exchange(
    {
      method,
      hostname: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    },
    body,
  );
}

/**
 * A request whose path goes out exactly as written (no URL parsing folds `..` or `%2e%2e` away),
 * as `curl --path-as-is` sends it; `headers` may replace Host.
 */
export function httpRequestAsIs(origin: string, method: 'GET' | 'POST', rawPath: string, headers: Record<string, string> = {}, body?: string): Promise<HttpReply> {
  const target = new URL(origin);
  return exchange({ method, hostname: target.hostname, port: target.port, path: rawPath, headers }, body);
}

export const httpPost = (url: string, body: string, headers?: Record<string, string>): Promise<HttpReply> => httpRequest('POST', url, body, headers);
export const httpGet = (url: string): Promise<HttpReply> => httpRequest('GET', url);

/** A call as a mini program user makes it: the event (or body) as JSON, the caller's openid in x-wx-openid. */
export const postJson = (url: string, body: unknown, openid?: string): Promise<HttpReply> =>
  httpRequest('POST', url, JSON.stringify(body), openid ? { 'x-wx-openid': openid } : {});
