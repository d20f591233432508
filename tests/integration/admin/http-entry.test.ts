/**
 * The admin function's HTTP entry refuses what it does not expect before any action runs, and
 * never answers with more than the result.
 */
import { gzipSync } from 'node:zlib';
import { REQUEST_MAX_BYTES } from '../../../cloudfunctions/shared/kernel/contract';
import { IMPORT_CHUNK_ROWS } from '../../../cloudfunctions/shared/imports/contract';
import { httpRequest } from '../../support/http';
import { expectRefused, startConsoleCloud, type ConsoleCloud } from './support';

let c: ConsoleCloud;
beforeAll(async () => {
  c = await startConsoleCloud();
});
afterAll(async () => c.stop());

const raw = (method: 'GET' | 'POST', action: string, body: string | Buffer | undefined, headers: Record<string, string>) =>
  httpRequest(method, `${c.origin}/admin/api/${action}`, body, headers);

it('refuses an origin outside the allowlist, without CORS headers for it', async () => {
  const answer = await c.api('startSignIn', {}, { origin: 'https://evil.example.com' });
  expectRefused(answer, 403, 'FORBIDDEN');
  expect(answer.reply.headers['access-control-allow-origin']).toBeUndefined();
  const noOrigin = await raw('POST', 'startSignIn', '{}', { 'content-type': 'application/json' });
  expect(noOrigin.status).toBe(403);
});

it('answers the CORS preflight of an allowed origin', async () => {
  const reply = await httpRequest('OPTIONS', `${c.origin}/admin/api/me`, undefined, { origin: c.origin, 'access-control-request-method': 'POST' });
  expect(reply.status).toBe(204);
  expect(reply.headers).toMatchObject({ 'access-control-allow-origin': c.origin, 'access-control-allow-headers': 'authorization, content-type' });
});

it('refuses other methods, non-JSON bodies, unknown actions and bodies over the limit', async () => {
  const headers = { origin: c.origin, 'content-type': 'application/json' };
  expect((await raw('GET', 'me', undefined, { origin: c.origin })).status).toBe(405);
  expect((await raw('POST', 'me', 'a=1', { origin: c.origin, 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
  expect((await raw('POST', 'dropDatabase', '{}', headers)).status).toBe(404);
  expect((await raw('POST', 'me', '{not json', headers)).status).toBe(400);
  const big = JSON.stringify({ filler: 'x'.repeat(1024 * 1024) });
  expect((await raw('POST', 'me', big, headers)).status).toBe(413);
});

it('reads a body the HTTP access service passes base64-encoded, and limits it by its decoded size', async () => {
  const send = async (body: string) => {
    const event = {
      path: '/admin/api/startSignIn',
      httpMethod: 'POST',
      headers: { origin: c.origin, 'content-type': 'application/json' },
      body: Buffer.from(body, 'utf8').toString('base64'),
      isBase64Encoded: true,
      requestContext: { sourceIp: '198.51.100.7' },
    };
    const answer = (await c.running.cloud.invoke('admin', event)) as { statusCode: number; body: string };
    return { status: answer.statusCode, result: JSON.parse(answer.body) as { ok: boolean; code?: string; message?: string; data?: { ticket?: string } } };
  };
  const started = await send('{}');
  expect(started.status).toBe(200);
  expect(started.result.data?.ticket).toEqual(expect.any(String));
  // Just under the limit once decoded (a third more as base64), so it is read, and then refused by
  // the action's contract for its unknown field rather than for its size.
  const underLimit = await send(JSON.stringify({ filler: 'x'.repeat(REQUEST_MAX_BYTES - 100) }));
  expect(underLimit).toMatchObject({ status: 400, result: { ok: false, code: 'BAD_REQUEST' } });
  expect(underLimit.result.message).toContain('filler');
  expect((await send(JSON.stringify({ filler: 'x'.repeat(REQUEST_MAX_BYTES) }))).status).toBe(413);
});

it('reads a request sent gzip-compressed, and refuses one that unpacks beyond the limit or is not gzip', async () => {
  const headers = { origin: c.origin, 'content-type': 'application/gzip' };
  const started = await raw('POST', 'startSignIn', gzipSync('{}'), headers);
  expect(started.status).toBe(200);
  expect((started.json as { data?: { ticket?: string } }).data?.ticket).toEqual(expect.any(String));
  // 8 MB of spaces is a few kilobytes packed: refused while unpacking, at the limit, not after.
  const bomb = gzipSync(`{"filler":"${' '.repeat(8 * 1024 * 1024)}"}`);
  expect(bomb.length).toBeLessThan(64 * 1024);
  expect((await raw('POST', 'startSignIn', bomb, headers)).status).toBe(413);
  expect((await raw('POST', 'startSignIn', Buffer.from('{}'), headers)).status).toBe(400);
});

it('like the HTTP access service, passes a text body of at most 100 KB to the function', async () => {
  const headers = { origin: c.origin, 'content-type': 'application/json' };
  const justUnder = JSON.stringify({ filler: 'x'.repeat(100 * 1024 - 20) });
  // Read by the function, which refuses the unknown field (not the size).
  expect((await raw('POST', 'startSignIn', justUnder, headers)).status).toBe(400);
  const over = await raw('POST', 'startSignIn', JSON.stringify({ filler: 'x'.repeat(100 * 1024) }), headers);
  expect(over.status).toBe(413);
  expect(over.json).toMatchObject({ code: 'EXCEED_MAX_PAYLOAD_SIZE' });
});

it('takes a full chunk of a real roster (5,000 rows, 1.3 MB of JSON) as the console sends it, compressed', async () => {
  const token = await c.signInAs('cashier');
  const rows = Array.from({ length: IMPORT_CHUNK_ROWS }, (_, i) => ({
    rowNumber: i + 2,
    cells: {
      studentNo: `2025${String(i).padStart(6, '0')}`,
      name: `欧阳${'明华'.slice(0, 1 + (i % 2))}`,
      idNumber: `3706021999${String(i).padStart(8, '0')}`,
      college: '计算机与信息工程学院',
      major: '计算机科学与技术（专升本）',
      grade: '2025级',
      className: `计算机2025-${(i % 40) + 1}班`,
      phone: `139${String(i).padStart(8, '0')}`,
    },
  }));
  expect(Buffer.byteLength(JSON.stringify({ kind: 'students', rows }))).toBeGreaterThan(1024 * 1024);
  const checked = await c.api<{ rows: unknown[] }>('checkImport', { kind: 'students', rows }, { token });
  expect(checked.reply.status).toBe(200);
  expect(checked.result.ok && checked.result.data.rows).toHaveLength(IMPORT_CHUNK_ROWS);
}, 60_000);

it('an action of the mini program cannot be reached from a browser, nor a console action from the mini program', async () => {
  const token = await c.signInAs('admin');
  expectRefused(await c.api('confirmSignIn', { ticket: 'x'.repeat(16) }, { token }), 403, 'FORBIDDEN');
  expect(await c.fromPhone(c.openidOf('admin'), 'listStaff')).toMatchObject({ ok: false, code: 'FORBIDDEN' });
});

it('answers a failure with its code and message only: no stack, no internals', async () => {
  const answer = await c.api('pollSignIn', { ticket: 'a'.repeat(16), pollKey: 'b'.repeat(43) });
  expectRefused(answer, 404, 'NOT_FOUND');
  expect(Object.keys(answer.result).sort()).toEqual(['code', 'message', 'ok']);
  expect(answer.reply.body.toString()).not.toMatch(/at .*\.ts:\d+|Error:/);
  expect(answer.reply.headers['cache-control']).toBe('no-store');
});

it('limits sign-in starts per address, and a forwarded-for header does not get round it', async () => {
  c.running.cloud.clock.advance(60_000);
  let started = 0;
  let last = await c.api('startSignIn');
  while (last.result.ok && started < 30) {
    started += 1;
    last = await c.api('startSignIn', {}, { forwardedFor: `203.0.113.${started}` });
  }
  expect(started).toBeLessThanOrEqual(20);
  expectRefused(last, 429, 'RATE_LIMITED');
  c.running.cloud.clock.advance(60_000);
  expect((await c.api('startSignIn')).result.ok).toBe(true);
});
