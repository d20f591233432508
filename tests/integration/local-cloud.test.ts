import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalCloud, type RunningLocalCloud } from '../../local/start';
import { httpPost as post } from '../support/http';

/** The local cloud's HTTP face: what the mini program's local transport and DevTools talk to. */

describe('local cloud over HTTP', () => {
  let running: RunningLocalCloud;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-http-'));
    running = await startLocalCloud({ dataDir, port: 0, logSink: () => undefined });
  });

  afterAll(async () => {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('listens on loopback only', () => {
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers a function call with the same result as an in-process call', async () => {
    const overHttp = await post(`${running.url}/functions/auth`, JSON.stringify({ action: 'status' }), { 'x-wx-openid': 'o-http-1' });
    const inProcess = (await running.cloud.invoke('auth', { action: 'status' }, { openid: 'o-http-1' })) as { data: { serverTime: string } };
    expect(overHttp.status).toBe(200);
    const body = overHttp.json as { ok: boolean; data: { signedIn: boolean; staff: boolean; serverTime: string } };
    expect(body.ok).toBe(true);
    // serverTime moves between the two calls; everything else is identical.
    expect({ ...body, data: { ...body.data, serverTime: 'x' } }).toEqual({ ...(inProcess as object), data: { ...inProcess.data, serverTime: 'x' } });
    expect(body.data.signedIn).toBe(false);
  });

  it('refuses a body that is not JSON with 400 and keeps serving', async () => {
    const res = await post(`${running.url}/functions/auth`, '{not json', { 'x-wx-openid': 'o-http-2' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: { code: 'INVALID_JSON', message: '请求体不是有效的 JSON' } });
    const after = await post(`${running.url}/functions/auth`, JSON.stringify({ action: 'status' }), { 'x-wx-openid': 'o-http-2' });
    expect(after.status).toBe(200);
  });

  it('refuses a JSON body that is not an object', async () => {
    const res = await post(`${running.url}/functions/auth`, '[1,2]', { 'x-wx-openid': 'o-http-2' });
    expect(res.status).toBe(400);
    expect((res.json as { error: { code: string } }).error.code).toBe('INVALID_EVENT');
  });

  it('answers 404 for an unknown function', async () => {
    const res = await post(`${running.url}/functions/nosuch`, '{}', { 'x-wx-openid': 'o-http-3' });
    expect(res.status).toBe(404);
    expect((res.json as { error: { message: string } }).error.message).toBe('云函数 nosuch 不存在');
  });

  it('answers 401 when the caller states no openid', async () => {
    const res = await post(`${running.url}/functions/auth`, JSON.stringify({ action: 'status' }));
    expect(res.status).toBe(401);
    expect((res.json as { error: { code: string } }).error.code).toBe('OPENID_REQUIRED');
  });

  it('gives BAD_REQUEST, not a crash, for an unknown action or a malformed request', async () => {
    const unknown = await post(`${running.url}/functions/auth`, JSON.stringify({ action: 'dropTables' }), { 'x-wx-openid': 'o-http-4' });
    expect(unknown.json).toEqual({ ok: false, code: 'BAD_REQUEST', message: '不支持的操作' });
    const noAction = await post(`${running.url}/functions/auth`, JSON.stringify({ hello: 1 }), { 'x-wx-openid': 'o-http-4' });
    expect(noAction.json).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    const extraField = await post(`${running.url}/functions/auth`, JSON.stringify({ action: 'status', openid: 'someone-else' }), {
      'x-wx-openid': 'o-http-4',
    });
    expect(extraField.json).toMatchObject({ ok: false, code: 'BAD_REQUEST', message: '请求参数有误：不支持的字段 openid' });
  });
});
