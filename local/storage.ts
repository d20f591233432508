import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProviderApi, TempFileUrl } from './wx-internals';

/**
 * Cloud storage on a local folder. File IDs look like the platform's (`cloud://<env>.<bucket>/<path>`)
 * and temporary URLs are signed and expire, so code that passes them around behaves as in production.
 */
export class LocalStorage {
  private readonly root: string;
  private readonly bucket: string;
  private readonly signingKey: string;

  constructor(
    dataDir: string,
    env: string,
    private readonly baseUrl: () => string,
    private readonly nowMs: () => number,
  ) {
    this.root = path.join(dataDir, 'storage');
    this.bucket = `${env}.local-bucket`;
    this.signingKey = `local-storage:${dataDir}`;
  }

  fileIdOf(cloudPath: string): string {
    return `cloud://${this.bucket}/${cloudPath}`;
  }

  /** The cloud path inside the bucket, or null when the id is not one of ours or tries to escape. */
  cloudPathOf(fileID: string): string | null {
    const prefix = `cloud://${this.bucket}/`;
    if (!fileID.startsWith(prefix)) return null;
    const cloudPath = fileID.slice(prefix.length);
    const resolved = path.resolve(this.root, cloudPath);
    return resolved.startsWith(this.root + path.sep) ? cloudPath : null;
  }

  async put(cloudPath: string, content: Buffer): Promise<string> {
    const file = path.resolve(this.root, cloudPath);
    if (!file.startsWith(this.root + path.sep)) throw new Error(`invalid cloudPath ${cloudPath}`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    return this.fileIdOf(cloudPath);
  }

  async read(cloudPath: string): Promise<Buffer | null> {
    try {
      return await readFile(path.resolve(this.root, cloudPath));
    } catch {
      return null;
    }
  }

  private sign(cloudPath: string, expires: number): string {
    return createHmac('sha256', this.signingKey).update(`${cloudPath}\n${expires}`).digest('hex').slice(0, 32);
  }

  tempUrl(cloudPath: string, maxAgeSeconds: number): string {
    const expires = Math.floor(this.nowMs() / 1000) + maxAgeSeconds;
    const encoded = cloudPath.split('/').map(encodeURIComponent).join('/');
    return `${this.baseUrl()}/storage/${encoded}?expires=${expires}&sign=${this.sign(cloudPath, expires)}`;
  }

  /** Checks a temporary URL's signature and expiry; returns the cloud path it grants. */
  verifyTempUrl(cloudPath: string, expires: string | null, sign: string | null): boolean {
    if (!expires || !sign || !/^\d+$/.test(expires)) return false;
    if (Number(expires) * 1000 < this.nowMs()) return false;
    const expected = Buffer.from(this.sign(cloudPath, Number(expires)));
    const given = Buffer.from(sign);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** Replaces the SDK transport's storage calls; results have the shapes the SDK returns. */
  providerApis(): Pick<ProviderApi, 'uploadFile' | 'downloadFile' | 'getTempFileURL' | 'deleteFile'> {
    const notFound = (fileID: string) => ({ errCode: -503003, errMsg: `storage file not exists: ${fileID}` });
    return {
      uploadFile: async ({ cloudPath, fileContent }) => {
        const content = Buffer.isBuffer(fileContent) ? fileContent : await streamToBuffer(fileContent);
        const fileID = await this.put(cloudPath, content);
        return { fileID, requestId: 'local', statusCode: 200 };
      },
      downloadFile: async ({ fileID }) => {
        const cloudPath = this.cloudPathOf(fileID);
        const content = cloudPath ? await this.read(cloudPath) : null;
        if (!content) throw notFound(fileID);
        return { statusCode: 200, fileContent: content };
      },
      getTempFileURL: async ({ fileList }) => {
        const items: TempFileUrl[] = [];
        for (const item of fileList) {
          const fileID = typeof item === 'string' ? item : item.fileID;
          const maxAge = typeof item === 'string' ? 86400 : (item.maxAge ?? 86400);
          const cloudPath = this.cloudPathOf(fileID);
          const exists = cloudPath !== null && (await this.read(cloudPath)) !== null;
          items.push(
            exists && cloudPath
              ? { fileID, status: 0, errMsg: 'ok', maxAge, tempFileURL: this.tempUrl(cloudPath, maxAge) }
              : { fileID, status: -503003, errMsg: 'STORAGE_FILE_NONEXIST', maxAge, tempFileURL: '' },
          );
        }
        return { fileList: items, requestId: 'local' };
      },
      deleteFile: async ({ fileList }) => {
        const results = [];
        for (const fileID of fileList) {
          const cloudPath = this.cloudPathOf(fileID);
          if (cloudPath && (await this.read(cloudPath))) {
            await rm(path.resolve(this.root, cloudPath));
            results.push({ fileID, status: 0, errMsg: 'ok' });
          } else {
            results.push({ fileID, status: -503003, errMsg: 'STORAGE_FILE_NONEXIST' });
          }
        }
        return { fileList: results, requestId: 'local' };
      },
    };
  }
}

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
