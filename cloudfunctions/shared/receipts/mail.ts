/**
 * Email over SMTP (nodemailer), configured by environment variables:
 *   SMTP_HOST, SMTP_PORT (default 465 when SMTP_SECURE, else 587), SMTP_SECURE (true: TLS from the
 *   first byte, port 465), SMTP_USER, SMTP_PASS, SMTP_FROM (e.g. "智慧缴费 <noreply@example.edu.cn>",
 *   default SMTP_USER), SMTP_TLS_REJECT_UNAUTHORIZED (false only for a test server's own certificate).
 * Without SMTP_HOST there is no email: sending reports it as unavailable.
 */
import nodemailer, { type Transporter } from 'nodemailer';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  from: string;
  rejectUnauthorized: boolean;
}

type Env = Record<string, string | undefined>;

const flag = (value: string | undefined, fallback: boolean): boolean =>
  value === undefined || value.trim() === '' ? fallback : /^(1|true|yes|on)$/i.test(value.trim());

export function readSmtpSettings(env: Env = process.env): SmtpSettings | null {
  const host = (env.SMTP_HOST ?? '').trim();
  if (!host) return null;
  const secure = flag(env.SMTP_SECURE, false);
  const port = Number((env.SMTP_PORT ?? '').trim() || (secure ? 465 : 587));
  const user = (env.SMTP_USER ?? '').trim();
  const from = (env.SMTP_FROM ?? '').trim() || user;
  if (!Number.isInteger(port) || port <= 0 || port > 65535 || !from) return null;
  return {
    host,
    port,
    secure,
    user,
    pass: env.SMTP_PASS ?? '',
    from,
    rejectUnauthorized: flag(env.SMTP_TLS_REJECT_UNAUTHORIZED, true),
  };
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  attachments: { filename: string; content: Buffer; contentType: string }[];
}

/**
 * Each SMTP wait (DNS, connecting, the greeting, any socket read) gives up after this long, so a
 * slow or silent server fails a send in seconds. Sending never happens while a payment waits: the
 * automatic email goes through the outbox that the timer sends, and a student's 发送到邮箱 waits at
 * most a few of these.
 */
export const SMTP_TIMEOUT_MS = 5_000;

/** The nodemailer transport options for these settings. */
export function smtpTransportOptions(settings: SmtpSettings) {
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(settings.user ? { auth: { user: settings.user, pass: settings.pass } } : {}),
    tls: { rejectUnauthorized: settings.rejectUnauthorized },
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
    dnsTimeout: SMTP_TIMEOUT_MS,
  };
}

let cached: { key: string; transporter: Transporter } | null = null;

function transporterFor(settings: SmtpSettings): Transporter {
  const key = JSON.stringify(settings);
  if (cached?.key === key) return cached.transporter;
  cached?.transporter.close();
  const transporter = nodemailer.createTransport(smtpTransportOptions(settings));
  cached = { key, transporter };
  return transporter;
}

/**
 * The server refused the recipient for good (a 5xx answer to RCPT TO: no such mailbox, mailbox
 * disabled…): sending again cannot help. Other failures (server down, timeouts, 4xx) may pass.
 */
export function isRecipientRefused(error: unknown): boolean {
  const { command, responseCode } = (error ?? {}) as { command?: unknown; responseCode?: unknown };
  return command === 'RCPT TO' && typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
}

/** Sends one message; resolves with the server's message id, rejects when the server refuses it. */
export async function sendMail(settings: SmtpSettings, mail: OutgoingMail): Promise<string> {
  const info = await transporterFor(settings).sendMail({
    from: settings.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    attachments: mail.attachments,
  });
  if (info.rejected.length > 0) throw new Error('the SMTP server rejected the recipient');
  return info.messageId;
}
