/**
 * What a local attacker or a web page in the developer's browser can get out of the local cloud
 * that `npm start` serves on 127.0.0.1: no file outside the storage folder, whatever the link's
 * encoding or signature; nothing for a request addressed to another host name (DNS rebinding);
 * nothing from a cross-site form; and no route that makes students or paid orders.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import cloudSdk from 'wx-server-sdk';
import { collection } from '../../cloudfunctions/shared/runtime';
import { insertStudentWithSession } from '../../local/seed/paid-orders';
import { startLocalCloud, type RunningLocalCloud } from '../../local/start';
import { httpRequestAsIs, type HttpReply } from '../support/http';

const SECRET_STUDENT_NO = 'S3CRET0001';
const SECRET_SIBLING_TEXT = 'storage-evil: not for download';

const errorCode = (reply: HttpReply): unknown => (reply.json as { error?: { code?: unknown } } | null)?.error?.code;
const FILE_NOT_FOUND = { error: { code: 'FILE_NOT_FOUND', message: '文件不存在' } };

describe('storage links never leave the storage folder', () => {
  let running: RunningLocalCloud;
  let dataDir: string;
  let databaseFile: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-security-'));
    running = await startLocalCloud({ dataDir, port: 0, logSink: () => undefined });
    await insertStudentWithSession(running.cloud.sdkDatabase(), running.cloud.clock.now(), { studentNo: SECRET_STUDENT_NO, name: '机密' });
    databaseFile = path.join(dataDir, 'db', 'students.db');
    // A folder beside storage/ whose name starts the same way.
    mkdirSync(path.join(dataDir, 'storage-evil'), { recursive: true });
    writeFileSync(path.join(dataDir, 'storage-evil', 'secret.txt'), SECRET_SIBLING_TEXT);
    await cloudSdk.uploadFile({ cloudPath: 'receipts/ok.pdf', fileContent: Buffer.from('%PDF-1.7 ok') });
  });

  afterAll(async () => {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** `rawPath` under /storage/, with a signature this run really made for `signedPath`. */
  const fetchSigned = (rawPath: string, signedPath: string): Promise<HttpReply> => {
    const signed = new URL(running.cloud.storage.tempUrl(signedPath, 600));
    return httpRequestAsIs(running.url, 'GET', `/storage/${rawPath}${signed.search}`);
  };

  /** A 404 whose body is the error and nothing else: no byte of the file asked for. */
  const expectNotFound = (reply: HttpReply): void => {
    const text = reply.body.toString('utf8');
    expect(text).not.toContain(SECRET_STUDENT_NO);
    expect(text).not.toContain(SECRET_SIBLING_TEXT);
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual(FILE_NOT_FOUND);
  };

  it('the database file holds the student the attacks aim at, and a real link serves its file', async () => {
    expect(readFileSync(databaseFile, 'utf8')).toContain(SECRET_STUDENT_NO);
    const reply = await fetchSigned('receipts/ok.pdf', 'receipts/ok.pdf');
    expect(reply.status).toBe(200);
    expect(reply.body.toString('utf8')).toBe('%PDF-1.7 ok');
  });

  const dbPathEncodings: [string, string][] = [
    ['..%2F (an encoded slash)', '..%2Fdb%2Fstudents.db'],
    ['%2e%2e%2F (encoded dots and slash)', '%2e%2e%2Fdb%2Fstudents.db'],
    ['%2E%2E/ (encoded dots, upper case)', '%2E%2E/db/students.db'],
    ['../ as is (curl --path-as-is)', '../db/students.db'],
    ['receipts/../../ (down, then out)', 'receipts/..%2F..%2Fdb%2Fstudents.db'],
    ['..%5C (a backslash)', '..%5Cdb%5Cstudents.db'],
    ['an absolute path', 'DATABASE_FILE'],
    ['an absolute path, encoded', 'ENCODED_DATABASE_FILE'],
    ['a NUL byte', 'receipts%2Fok.pdf%00%2F..%2F..%2Fdb%2Fstudents.db'],
  ];

  it.each(dbPathEncodings)('refuses the database through %s with 404, even when the link is signed', async (_label, rawPath) => {
    const resolved =
      rawPath === 'DATABASE_FILE'
        ? `/${databaseFile.split('/').filter(Boolean).map(encodeURIComponent).join('/')}`
        : rawPath === 'ENCODED_DATABASE_FILE'
          ? encodeURIComponent(databaseFile)
          : rawPath;
    // Signed for the path the server decodes: the signature is not what stops it.
    expectNotFound(await fetchSigned(resolved, decodeURIComponent(resolved)));
  });

  it('refuses /etc/hostname by its absolute path', async () => {
    expectNotFound(await fetchSigned('%2Fetc%2Fhostname', '/etc/hostname'));
    expectNotFound(await fetchSigned('/etc/hostname', '/etc/hostname'));
  });

  it('decodes a double-encoded path once: a file name inside the folder (there is none), never ../', async () => {
    const rawPath = '%252e%252e%252fdb%252fstudents.db';
    expectNotFound(await fetchSigned(rawPath, '%2e%2e%2fdb%2fstudents.db'));
    const signedAsTraversal = await fetchSigned(rawPath, '../db/students.db');
    expect(signedAsTraversal.status).toBe(403);
    expect(signedAsTraversal.body.toString('utf8')).not.toContain(SECRET_STUDENT_NO);
  });

  it('refuses a folder beside storage/ that shares its name as a prefix (storage-evil)', async () => {
    expectNotFound(await fetchSigned('..%2Fstorage-evil%2Fsecret.txt', '../storage-evil/secret.txt'));
  });

  it('answers a malformed encoding with 404, not a crash', async () => {
    expectNotFound(await httpRequestAsIs(running.url, 'GET', '/storage/%E0%A4%A?expires=9999999999&sign=00'));
  });

  it('does not follow a symlink inside the folder that leads out of it', async () => {
    symlinkSync(databaseFile, path.join(dataDir, 'storage', 'receipts', 'link.pdf'));
    symlinkSync(path.join(dataDir, 'db'), path.join(dataDir, 'storage', 'escape'));
    for (const cloudPath of ['receipts/link.pdf', 'escape/students.db']) {
      expectNotFound(await fetchSigned(cloudPath, cloudPath));
      // Nor does the SDK hand out a link or the content for it.
      const fileID = running.cloud.storage.fileIdOf(cloudPath);
      const temp = (await cloudSdk.getTempFileURL({ fileList: [fileID] })) as { fileList: { status: number; tempFileURL: string }[] };
      expect(temp.fileList[0]).toMatchObject({ status: -503003, tempFileURL: '' });
      await expect(cloudSdk.downloadFile({ fileID })).rejects.toMatchObject({ errCode: -503003 });
    }
  });

  it('signs links with a key of this run, not one derived from the data folder', async () => {
    const expires = Math.floor(running.cloud.clock.nowMs() / 1000) + 600;
    const forged = createHmac('sha256', `local-storage:${dataDir}`).update(`receipts/ok.pdf\n${expires}`).digest('hex').slice(0, 32);
    const reply = await httpRequestAsIs(running.url, 'GET', `/storage/receipts/ok.pdf?expires=${expires}&sign=${forged}`);
    expect(reply.status).toBe(403);
    expect(errorCode(reply)).toBe('URL_EXPIRED');
  });
});

describe('requests addressed to another host name (DNS rebinding)', () => {
  let running: RunningLocalCloud;
  let dataDir: string;
  let port: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-security-host-'));
    running = await startLocalCloud({ dataDir, port: 0, logSink: () => undefined });
    port = new URL(running.url).port;
  });

  afterAll(async () => {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const status = { action: 'status' };
  const callAuth = (host: string): Promise<HttpReply> =>
    httpRequestAsIs(running.url, 'POST', '/functions/auth', { host, 'content-type': 'application/json', 'x-wx-openid': 'o-host' }, JSON.stringify(status));

  it.each(['evil.example', 'evil.example:PORT', '127.0.0.1.evil.example', '127.0.0.1.evil.example:PORT', 'localhost.evil.example', '[::1]:PORT', 'localhost.:PORT'])(
    'refuses Host: %s with 403 HOST_NOT_ALLOWED',
    async (template) => {
      const host = template.replace('PORT', port);
      const call = await callAuth(host);
      expect(call.status).toBe(403);
      expect(call.json).toEqual({ error: { code: 'HOST_NOT_ALLOWED', message: '本地云只接受发往 127.0.0.1 或 localhost 的请求' } });
      const health = await httpRequestAsIs(running.url, 'GET', '/health', { host });
      expect(health.status).toBe(403);
    },
  );

  it.each(['127.0.0.1:PORT', 'localhost:PORT', 'localhost', 'LocalHost:PORT'])('answers Host: %s', async (template) => {
    const call = await callAuth(template.replace('PORT', port));
    expect(call.status).toBe(200);
    expect(call.json).toMatchObject({ ok: true, data: { signedIn: false } });
  });

  it('refuses a request that names no host (HTTP/1.0 without Host)', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.end('GET /health HTTP/1.0\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    expect(answer).toContain('HOST_NOT_ALLOWED');
  });
});

describe('POST bodies are JSON only (a cross-site form cannot post)', () => {
  let running: RunningLocalCloud;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-security-json-'));
    running = await startLocalCloud({ dataDir, port: 0, logSink: () => undefined });
  });

  afterAll(async () => {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (target: string, contentType: string | null, body: string, openid?: string): Promise<HttpReply> =>
    httpRequestAsIs(running.url, 'POST', target, { ...(contentType ? { 'content-type': contentType } : {}), ...(openid ? { 'x-wx-openid': openid } : {}) }, body);

  // What an HTML form (or a no-cors fetch) sends without the browser asking the server first.
  const formTypes: [string, string | null, string][] = [
    ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded', '{"phone":"13800000000"}='],
    ['text/plain', 'text/plain', '{"phone":"13800000000"}'],
    ['text/plain with a charset', 'text/plain; charset=utf-8', '{"phone":"13800000000"}'],
    ['multipart/form-data', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="phone"\r\n\r\n13800000000\r\n--x--\r\n'],
    ['no content type', null, '{"phone":"13800000000"}'],
  ];

  it.each(formTypes)('refuses %s with 415 JSON_REQUIRED, on the sandbox and on the functions', async (_label, contentType, body) => {
    const phoneCode = await post('/sandbox/phone-code', contentType, body);
    expect(phoneCode.status).toBe(415);
    expect(phoneCode.json).toEqual({ error: { code: 'JSON_REQUIRED', message: '请求体须为 JSON（Content-Type: application/json）' } });
    const fn = await post('/functions/auth', contentType, '{"action":"status"}', 'o-form');
    expect(fn.status).toBe(415);
    expect(errorCode(fn)).toBe('JSON_REQUIRED');
  });

  it('takes application/json, with or without a charset', async () => {
    for (const contentType of ['application/json', 'application/json; charset=utf-8', 'Application/JSON']) {
      const reply = await post('/sandbox/phone-code', contentType, '{"phone":"13800000000"}');
      expect(reply.status).toBe(200);
      expect(reply.json).toMatchObject({ expiresInSeconds: 300 });
    }
  });
});

describe('routes that make data exist only where tests ask for them', () => {
  const fabricating: [string, Record<string, unknown>][] = [
    ['/sandbox/students', { student: { studentNo: '2024999101', name: '钱学森', idNumber: '11010519491231002X', college: '继续教育学院', major: '会计学', grade: '2024级', className: '会计学2401班' } }],
    ['/sandbox/receipts/paid-order', {}],
    ['/sandbox/billing/student', { bills: 1 }],
    ['/sandbox/cloudpay/control', { action: 'failNext', api: 'queryOrder', fault: 'timeout' }],
  ];

  const postJson = (running: RunningLocalCloud, target: string, body: unknown, openid?: string): Promise<HttpReply> =>
    httpRequestAsIs(running.url, 'POST', target, { 'content-type': 'application/json', ...(openid ? { 'x-wx-openid': openid } : {}) }, JSON.stringify(body));

  it('a server started as npm start starts it has none of them, and keeps the demo’s stand-ins for WeChat', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-security-routes-'));
    // scripts/start.ts: startLocalCloud({ dataDir, port, functions: 'bundle' }), then the demo seed.
    const running = await startLocalCloud({ dataDir, port: 0, logSink: () => undefined });
    try {
      for (const [route, body] of fabricating) {
        const reply = await postJson(running, route, body, 'o-side-door');
        expect({ route, status: reply.status, code: errorCode(reply) }).toEqual({ route, status: 404, code: 'NOT_FOUND' });
      }
      const db = running.cloud.sdkDatabase();
      expect(await collection(db, 'students').count({})).toBe(0);
      expect(await collection(db, 'orders').count({})).toBe(0);

      expect((await postJson(running, '/sandbox/phone-code', { phone: '13800000000' })).status).toBe(200);
      const pay = await postJson(running, '/sandbox/pay', {}, 'o-demo');
      expect(errorCode(pay)).toBe('PACKAGE_REQUIRED');
    } finally {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a server started for tests serves them', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-security-test-routes-'));
    const running = await startLocalCloud({ dataDir, port: 0, testRoutes: true, logSink: () => undefined });
    try {
      const made = await postJson(running, '/sandbox/billing/student', { bills: 1 }, 'o-test-route');
      expect(made.status).toBe(200);
      expect(made.json).toMatchObject({ billIds: [expect.any(String)] });
      expect(await collection(running.cloud.sdkDatabase(), 'students').count({})).toBe(1);
    } finally {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
