/**
 * `npm run desktop-link`: what the learning platform does after it has verified a student's face,
 * done against the local cloud (`npm start` running): signs a one-time login link for a demo
 * student with the local cloud's test key, prints it, saves its QR code as a PNG, and shows the
 * page and query WeChat would open the mini program with when the code is scanned.
 *
 *   npm run desktop-link -- [--student-no 2023010101] [--out .local-cloud/desktop-link.png]
 *                           [--prefix https://…] [--url http://127.0.0.1:3000]
 *
 * The recipe is docs/desktop-link.md; the signing is the auth function's own code
 * (cloudfunctions/shared/students/domain/desktop-link.ts), so the two cannot drift apart.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildDesktopLink,
  desktopLinkSignature,
  desktopLinkSigningText,
  DESKTOP_LINK_LIFETIME_SECONDS,
  type DesktopLinkFields,
} from '../cloudfunctions/shared/students/domain/desktop-link';
import { desktopLinkKeys } from '../cloudfunctions/shared/students/desktop-link';
import { DEVELOPMENT_DEFAULTS } from '../cloudfunctions/shared/runtime/environment';
import { shanghaiDateTime } from '../cloudfunctions/shared/kernel/china-time';
import { LOCAL_DESKTOP_LINK_PREFIX, type OpenedPage } from '../local/open-link';
import { PROJECT_ROOT } from '../local/functions';
import { qrPng } from '../local/wechat-openapi/qr-png';
import { runFromShell, type CommandIo } from './command-line';

/** The first demo student `npm start` prints (not yet signed in for the first time). */
export const DEMO_STUDENT_NO = '2023010101';
const QR_WIDTH = 400;

const USAGE = `用法：npm run desktop-link -- [--student-no <学号>] [--out <PNG 文件>] [--prefix <登记的链接前缀>] [--url <本地云地址>]`;

export interface DesktopLinkRequest {
  /** The local cloud, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  studentNo: string;
  /** Where the PNG goes. */
  out: string;
  prefix: string;
  env: Readonly<Record<string, string | undefined>>;
}

export interface DesktopLinkExample {
  link: string;
  fields: DesktopLinkFields;
  signingText: string;
  signature: string;
  pngPath: string;
  /** The page and query WeChat opens the mini program with when the QR is scanned. */
  opened: OpenedPage;
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  } catch {
    throw new Error(`连不上本地云 ${url}：请先运行 npm start（或用 --url 指定它的地址）`);
  }
  return { status: res.status, json: await res.json() };
}

/** The local cloud's clock: its expiry check uses it, and tests may have moved it. */
async function localCloudNow(baseUrl: string): Promise<Date> {
  const { json } = await postJson(`${baseUrl}/functions/auth`, { action: 'status' }, { 'x-wx-openid': 'desktop-link-example' });
  const serverTime = (json as { ok?: boolean; data?: { serverTime?: unknown } }).data?.serverTime;
  if (typeof serverTime !== 'string') throw new Error(`本地云的 auth.status 没有给出时间：${JSON.stringify(json)}`);
  return new Date(serverTime);
}

/**
 * Signs a link as the platform would: the local cloud's current key (DESKTOP_LINK_SECRET, or its
 * published test value), an expiry 10 minutes after the local cloud's now, a fresh nonce.
 */
export async function makeDesktopLink(request: DesktopLinkRequest): Promise<DesktopLinkExample> {
  const baseUrl = request.baseUrl.replace(/\/+$/, '');
  const key = desktopLinkKeys({ ...DEVELOPMENT_DEFAULTS, ...request.env }).current;
  if (!key) throw new Error('没有可用的学习平台链接密钥（DESKTOP_LINK_SECRET 至少 32 个字符）');
  const now = await localCloudNow(baseUrl);
  const fields: DesktopLinkFields = {
    studentNo: request.studentNo,
    expires: Math.floor(now.getTime() / 1000) + DESKTOP_LINK_LIFETIME_SECONDS,
    nonce: randomBytes(16).toString('base64url'),
    keyId: key.id,
  };
  const link = buildDesktopLink(request.prefix, fields, key.secret);
  const pngPath = path.resolve(request.out);
  mkdirSync(path.dirname(pngPath), { recursive: true });
  writeFileSync(pngPath, qrPng(link, { width: QR_WIDTH }));
  const scanned = await postJson(`${baseUrl}/sandbox/open-link`, { link });
  if (scanned.status !== 200) throw new Error(`本地云没有按微信的方式打开这个链接：${JSON.stringify(scanned.json)}`);
  return {
    link,
    fields,
    signingText: desktopLinkSigningText(fields),
    signature: desktopLinkSignature(key.secret, fields),
    pngPath,
    opened: scanned.json as OpenedPage,
  };
}

export async function runDesktopLink(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'student-no': { type: 'string', default: DEMO_STUDENT_NO },
      // Beside the local cloud's data, which git ignores.
      out: { type: 'string', default: path.join(io.env.LOCAL_CLOUD_DATA ?? path.join(PROJECT_ROOT, '.local-cloud'), 'desktop-link.png') },
      prefix: { type: 'string', default: LOCAL_DESKTOP_LINK_PREFIX },
      url: { type: 'string', default: `http://127.0.0.1:${io.env.PORT ?? 3000}` },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const example = await makeDesktopLink({ baseUrl: values.url, studentNo: values['student-no'], out: values.out, prefix: values.prefix, env: io.env });
  const { fields } = example;
  const query = Object.entries(example.opened.query)
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  io.out(`学号 ${fields.studentNo} 的学习平台登录链接（${DESKTOP_LINK_LIFETIME_SECONDS / 60} 分钟内有效，只能使用一次）：`);
  io.out(`  ${example.link}`);
  io.out('');
  io.out('签名过程（与 docs/desktop-link.md 相同）：');
  io.out(`  密钥编号 k = ${fields.keyId}，有效期 e = ${fields.expires}（北京时间 ${shanghaiDateTime(new Date(fields.expires * 1000))}），随机数 n = ${fields.nonce}`);
  io.out(`  待签名文本：${example.signingText}`);
  io.out(`  HMAC-SHA256（十六进制）：${example.signature}`);
  io.out('');
  io.out(`二维码已保存：${example.pngPath}`);
  io.out(`微信扫码后打开：${example.opened.path}?${query}`);
  io.out('在微信开发者工具中：编译模式 → 添加编译模式，启动页面填上面的页面，启动参数填 ? 后面的部分；登录页会填好学号并显示“已通过学习平台人脸核验”，再输入密码登录。');
  return 0;
}

if (require.main === module) runFromShell(runDesktopLink);
