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
