import http from 'node:http';

/** Plain HTTP calls to the local cloud, the way the mini program's local transport makes them. */
export interface HttpReply {
  status: number;
  body: Buffer;
  /** The body parsed as JSON (null when empty or not JSON). */
  json: unknown;
}

export function httpRequest(method: 'GET' | 'POST', url: string, body?: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers } }, (res) => {
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
        resolve({ status: res.statusCode ?? 0, body: buffer, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const httpPost = (url: string, body: string, headers?: Record<string, string>): Promise<HttpReply> => httpRequest('POST', url, body, headers);
export const httpGet = (url: string): Promise<HttpReply> => httpRequest('GET', url);
