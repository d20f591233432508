import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cloudSdk from 'wx-server-sdk';
import { startLocalCloud, type RunningLocalCloud } from '../../local/start';
import { httpGet as get } from '../support/http';

/** Cloud storage through the genuine SDK calls, on the local folder. */

describe('local cloud storage', () => {
  let running: RunningLocalCloud;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-storage-'));
    running = await startLocalCloud({ dataDir, port: 0, logSink: () => undefined });
  });

  afterAll(async () => {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uploads, serves a signed temporary URL, downloads and deletes a file', async () => {
    const content = Buffer.from('%PDF-1.7 票据');
    const uploaded = await cloudSdk.uploadFile({ cloudPath: 'receipts/2026/a.pdf', fileContent: content });
    expect(uploaded.fileID).toMatch(/^cloud:\/\/local-dev\.[^/]+\/receipts\/2026\/a\.pdf$/);

    const temp = await cloudSdk.getTempFileURL({ fileList: [uploaded.fileID] });
    const entry = (temp as { fileList: { status: number; tempFileURL: string }[] }).fileList[0]!;
    expect(entry.status).toBe(0);
    const fetched = await get(entry.tempFileURL);
    expect(fetched.status).toBe(200);
    expect(fetched.body.equals(content)).toBe(true);

    const tampered = await get(entry.tempFileURL.replace(/sign=[0-9a-f]+/, 'sign=0000'));
    expect(tampered.status).toBe(403);

    const downloaded = await cloudSdk.downloadFile({ fileID: uploaded.fileID });
    expect(Buffer.from(downloaded.fileContent as Buffer).equals(content)).toBe(true);

    await cloudSdk.deleteFile({ fileList: [uploaded.fileID] });
    await expect(cloudSdk.downloadFile({ fileID: uploaded.fileID })).rejects.toMatchObject({ errCode: -503003 });
  });

  it('expires temporary URLs by the local clock', async () => {
    const uploaded = await cloudSdk.uploadFile({ cloudPath: 'tmp/b.txt', fileContent: Buffer.from('b') });
    const temp = (await cloudSdk.getTempFileURL({ fileList: [{ fileID: uploaded.fileID, maxAge: 60 }] })) as {
      fileList: { tempFileURL: string }[];
    };
    running.cloud.clock.advance(61_000);
    expect((await get(temp.fileList[0]!.tempFileURL)).status).toBe(403);
  });
});

describe('storage links and restarts', () => {
  it('keeps a link working for its whole run, but not after the local cloud restarts (a new signing key)', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-storage-restart-'));
    const content = Buffer.from('%PDF-1.7 重启前的链接');
    let running = await startLocalCloud({ dataDir, port: 0, logSink: () => undefined });
    try {
      const uploaded = await cloudSdk.uploadFile({ cloudPath: 'receipts/restart.pdf', fileContent: content });
      const temp = (await cloudSdk.getTempFileURL({ fileList: [{ fileID: uploaded.fileID, maxAge: 600 }] })) as { fileList: { tempFileURL: string }[] };
      const before = new URL(temp.fileList[0]!.tempFileURL);
      // Opened twice within the run (a student taps the receipt again): served both times.
      for (const fetched of [await get(before.href), await get(before.href)]) {
        expect(fetched.status).toBe(200);
        expect(fetched.body.equals(content)).toBe(true);
      }
      await running.stop();

      running = await startLocalCloud({ dataDir, port: 0, logSink: () => undefined });
      const sameLinkNow = new URL(`${before.pathname}${before.search}`, running.url);
      const refused = await get(sameLinkNow.href);
      expect(refused.status).toBe(403);
      expect(refused.json).toEqual({ error: { code: 'URL_EXPIRED', message: '链接已过期或无效' } });

      // The file itself is still there: a link made by this run serves it.
      const fresh = (await cloudSdk.getTempFileURL({ fileList: [uploaded.fileID] })) as { fileList: { tempFileURL: string }[] };
      expect((await get(fresh.fileList[0]!.tempFileURL)).body.equals(content)).toBe(true);
    } finally {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
