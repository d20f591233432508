import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProviderApi, TempFileUrl } from './wx-internals';

/**
 * A cloud path that names something inside the bucket: segments that are not empty (no absolute
 * path, no '//'), not '.' or '..', and hold no backslash (a separator on Windows) or NUL.
 */
function isPlainCloudPath(cloudPath: string): boolean {
  return cloudPath.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..' && !/[\\\0]/.test(segment));
}

/**
 * The cloud path a `/storage/<encoded path>` URL names (each segment percent-decoded once, as
 * `tempUrl` encodes it), or null when it is badly encoded or, decoded, not a plain cloud path.
 */
export function cloudPathFromUrlPath(encoded: string): string | null {
  let cloudPath: string;
  try {
    cloudPath = encoded.split('/').map(decodeURIComponent).join('/');
  } catch {
    return null;
  }
  return isPlainCloudPath(cloudPath) ? cloudPath : null;
}

/** Whether `file` lies below `folder` (not in a sibling that merely shares its prefix, like storage-evil). */
function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

/**
 * Cloud storage on a local folder. File IDs look like the platform's (`cloud://<env>.<bucket>/<path>`)
 * and temporary URLs are signed and expire, so code that passes them around behaves as in production.
 * Only files inside the folder are ever read: cloud paths with '..' or absolute parts are refused,
 * and a symlink that leads out of it reads as missing. The signing key is random for each start,
 * so a link outlives neither its expiry nor the process that made it.
 */
export class LocalStorage {
  private readonly root: string;
  private readonly bucket: string;
  private readonly signingKey = randomBytes(32);

  constructor(
    dataDir: string,
    env: string,
    private readonly baseUrl: () => string,
    private readonly nowMs: () => number,
  ) {
    this.root = path.join(dataDir, 'storage');
    this.bucket = `${env}.local-bucket`;
  }

  fileIdOf(cloudPath: string): string {
    return `cloud://${this.bucket}/${cloudPath}`;
  }

  /** The cloud path inside the bucket, or null when the id is not one of ours or tries to escape. */
  cloudPathOf(fileID: string): string | null {
    const prefix = `cloud://${this.bucket}/`;
    if (!fileID.startsWith(prefix)) return null;
    const cloudPath = fileID.slice(prefix.length);
    return this.fileOf(cloudPath) ? cloudPath : null;
  }

  /** The file a cloud path names inside the storage folder, or null when the path would leave it. */
  private fileOf(cloudPath: string): string | null {
    if (!isPlainCloudPath(cloudPath)) return null;
    const file = path.resolve(this.root, cloudPath);
    return isInside(this.root, file) ? file : null;
  }

  async put(cloudPath: string, content: Buffer): Promise<string> {
    const file = this.fileOf(cloudPath);
    if (!file) throw new Error(`invalid cloudPath ${cloudPath}`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    return this.fileIdOf(cloudPath);
  }

  /** The file's content, or null when it is missing or (through a symlink) lies outside the folder. */
  async read(cloudPath: string): Promise<Buffer | null> {
    const file = this.fileOf(cloudPath);
    if (!file) return null;
    try {
      const [realRoot, realFile] = await Promise.all([realpath(this.root), realpath(file)]);
      return isInside(realRoot, realFile) ? await readFile(realFile) : null;
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
          const file = cloudPath ? this.fileOf(cloudPath) : null;
          if (cloudPath && file && (await this.read(cloudPath))) {
            await rm(file);
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
