/**
 * Email and receipt settings for the local cloud.
 *
 * - Email: unless SMTP_HOST is already set (then mail goes to that server, e.g. a developer's own
 *   test mailbox), a local SMTP server is started on 127.0.0.1 and the SMTP_* variables the
 *   receipts function reads point at it. Every message is kept in memory and saved as an .eml file
 *   under <data dir>/mail. `POST /sandbox/mail/messages` on the local cloud lists what arrived.
 * - Receipts: local defaults for the RECEIPT_* variables (a fixed check-code key, the 样张
 *   watermark, sample signatories), each only when not already set; and, while the receipts
 *   function has no fonts beside its code (`npm run build` puts them there for deployment),
 *   RECEIPT_FONT_FILE naming the fonts in the @embedpdf/fonts-sc, -jp and -tc packages (dev
 *   dependencies), in fallback order.
 *
 * - The receipts sandbox: `POST /sandbox/receipts/paid-order`, a test route (see paid-order-route.ts).
 *
 * `installLocalReceipts(cloud, server)` installs all of it (the one line in local/sandboxes.ts);
 * `installLocalMail` only the first two. Both are idempotent per cloud; the mail server stops with
 * the cloud.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { FUNCTIONS_ROOT } from '../functions';
import type { LocalCloud } from '../cloud';
import type { LocalCloudServer } from '../server';
import { LocalMailServer } from '../smtp';
import { installReceiptsSandbox } from './paid-order-route';

/** What the local cloud sets for the receipts function when the environment does not. */
export const LOCAL_RECEIPT_ENV: Readonly<Record<string, string>> = {
  RECEIPT_WATERMARK: '样张',
  RECEIPT_REVIEWER: '复核员（样）',
  RECEIPT_PAYEE: '收款员（样）',
};

/** The receipt fonts in fallback order, each with the package it comes from (all dev dependencies). */
const FONTS = [
  { file: 'NotoSansHans-Regular.otf', packageName: '@embedpdf/fonts-sc' },
  { file: 'NotoSansJP-Regular.otf', packageName: '@embedpdf/fonts-jp' },
  { file: 'NotoSansHant-Regular.otf', packageName: '@embedpdf/fonts-tc' },
] as const;

/**
 * A receipt font for development: the copy `npm run build` puts beside the function when there is
 * one (what is deployed), else the one in its package. The deployed function never looks in a package.
 */
function developmentFont({ file, packageName }: (typeof FONTS)[number]): string {
  const built = path.join(FUNCTIONS_ROOT, 'receipts', 'fonts', file);
  if (existsSync(built)) return built;
  // The packages' exports maps name only their entry (dist/index.cjs); the fonts sit in ../fonts.
  return path.join(path.dirname(require.resolve(packageName)), '..', 'fonts', file);
}

/** The receipts' first font (Noto Sans SC), the one most text is drawn in. */
export function developmentFontFile(): string {
  return developmentFont(FONTS[0]);
}

/** All the receipt fonts, in fallback order (SC, JP, TC). */
export function developmentFontFiles(): string[] {
  return FONTS.map(developmentFont);
}

/** RECEIPT_FONT_FILE naming the whole fallback chain, as the local cloud sets it. */
export function developmentFontSetting(): string {
  return developmentFontFiles().join(path.delimiter);
}

export const LOCAL_MAIL_FROM = '智慧缴费（本地） <noreply@zhjf.local>';

export interface LocalMail {
  /** 'local-smtp': the server started here; 'external-smtp': SMTP_HOST was set by the environment. */
  readonly mode: 'local-smtp' | 'external-smtp';
  /** Resolves once mail can be sent (the local server listens and SMTP_* point at it). */
  readonly ready: Promise<LocalMailServer | null>;
  /** One line saying where mail goes. */
  describe(): string;
  stop(): Promise<void>;
}

const installed = new WeakMap<LocalCloud, LocalMail>();

export function localMailOf(cloud: LocalCloud): LocalMail | undefined {
  return installed.get(cloud);
}

export interface LocalMailOptions {
  /** Where .eml files go; default <data dir>/mail. */
  dir?: string;
  /** Print where mail goes (default: when there is an HTTP server, i.e. npm start / local/main.ts). */
  announce?: boolean;
}

export function installLocalMail(cloud: LocalCloud, http: LocalCloudServer | null, options: LocalMailOptions = {}): LocalMail {
  const existing = installed.get(cloud);
  if (existing) return existing;

  const setHere: Record<string, string> = {};
  const setDefault = (name: string, value: string): void => {
    if (process.env[name] !== undefined && process.env[name] !== '') return;
    process.env[name] = value;
    setHere[name] = value;
  };
  for (const [name, value] of Object.entries(LOCAL_RECEIPT_ENV)) setDefault(name, value);
  // Always named: the receipts code run from source sits in cloudfunctions/shared, not beside the
  // deployed function's fonts/ folder (the bundle finds them there by itself).
  setDefault('RECEIPT_FONT_FILE', developmentFontSetting());

  const external = Boolean(process.env.SMTP_HOST);
  const dataDir = cloud.dataDir;
  const dir = options.dir ?? (dataDir ? path.join(dataDir, 'mail') : undefined);
  let server: LocalMailServer | null = null;

  const ready: Promise<LocalMailServer | null> = external
    ? Promise.resolve(null)
    : LocalMailServer.start(dir ? { dir } : {}).then((started) => {
        server = started;
        setDefault('SMTP_HOST', started.host);
        setDefault('SMTP_PORT', String(started.port));
        setDefault('SMTP_SECURE', 'false');
        setDefault('SMTP_FROM', LOCAL_MAIL_FROM);
        return started;
      });
  // A failure is reported by describe() and by sends (邮件服务暂未开通); it never stops the cloud.
  ready.catch((error: unknown) => console.error('[local-mail] 本地 SMTP 服务启动失败：', error));

  const mail: LocalMail = {
    mode: external ? 'external-smtp' : 'local-smtp',
    ready,
    describe() {
      if (external) return `邮件：发往环境变量指定的 SMTP 服务器 ${process.env.SMTP_HOST}:${process.env.SMTP_PORT ?? ''}`;
      if (!server) return '邮件：本地 SMTP 服务器启动中';
      return `邮件：本地 SMTP 服务器 127.0.0.1:${server.port}（不外发）${dir ? `，收到的邮件保存在 ${dir}` : ''}；POST /sandbox/mail/messages 可列出`;
    },
    async stop() {
      await ready.catch(() => null);
      await server?.close();
      for (const [name, value] of Object.entries(setHere)) if (process.env[name] === value) delete process.env[name];
      installed.delete(cloud);
    },
  };
  installed.set(cloud, mail);

  // The mail server stops with the cloud.
  const closeCloud = cloud.close.bind(cloud);
  cloud.close = async () => {
    await mail.stop();
    await closeCloud();
  };

  if (http) {
    http.route('/sandbox/mail/messages', async () => {
      const started = await ready.catch(() => null);
      const messages = [];
      for (const received of started?.received ?? []) {
        const parsed = await simpleParser(received.raw);
        messages.push({
          from: received.from,
          to: received.to,
          subject: parsed.subject ?? '',
          receivedAt: received.receivedAt.toISOString(),
          file: received.file,
          attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, size: a.size })),
        });
      }
      return { mode: mail.mode, messages };
    });
  }
  if (options.announce ?? http !== null) void ready.then(() => console.log(mail.describe()), () => undefined);
  return mail;
}

/** Mail, receipt settings and the receipts sandbox: what the local cloud adds for receipts. */
export function installLocalReceipts(cloud: LocalCloud, http: LocalCloudServer | null, options: LocalMailOptions = {}): LocalMail {
  const mail = installLocalMail(cloud, http, options);
  if (http && !sandboxed.has(http)) {
    sandboxed.add(http);
    installReceiptsSandbox(cloud, http);
  }
  return mail;
}

const sandboxed = new WeakSet<LocalCloudServer>();
