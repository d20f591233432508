/**
 * A local SMTP server on 127.0.0.1 (smtp-server): what the receipts function's nodemailer delivers
 * to in the local cloud. It accepts any sender and recipient without authentication, keeps every
 * message it receives (raw, as sent) and, when given a folder, saves each as an .eml file a person
 * can open.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** MAIL FROM */
  from: string;
  /** RCPT TO */
  to: string[];
  /** The message exactly as the server received it (RFC 5322). */
  raw: Buffer;
  receivedAt: Date;
  /** Where it was saved, when the server has a folder. */
  file: string | null;
}

export interface LocalMailServerOptions {
  /** Save each message as an .eml file here. */
  dir?: string;
  /** Largest message accepted, bytes. */
  maxBytes?: number;
  /** 0 picks a free port. */
  port?: number;
}

export class LocalMailServer {
  readonly received: ReceivedMail[] = [];
  private readonly server: SMTPServer;
  private readonly listeners = new Set<(mail: ReceivedMail) => void>();
  private portNumber = 0;
  private closed = false;

  private constructor(private readonly options: LocalMailServerOptions) {
    if (options.dir) mkdirSync(options.dir, { recursive: true });
    this.server = new SMTPServer({
      name: 'local-cloud.mail',
      banner: 'local cloud mail (development only)',
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      size: options.maxBytes ?? 10 * 1024 * 1024,
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            callback(Object.assign(new Error('message too large'), { responseCode: 552 }));
            return;
          }
          const mail: ReceivedMail = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: Buffer.concat(chunks),
            receivedAt: new Date(),
            file: null,
          };
          if (this.options.dir) {
            const stamp = mail.receivedAt.toISOString().replace(/[:.]/g, '-');
            mail.file = path.join(this.options.dir, `${stamp}-${this.received.length + 1}.eml`);
            writeFileSync(mail.file, mail.raw);
          }
          this.received.push(mail);
          for (const listener of this.listeners) listener(mail);
          callback();
        });
      },
    });
    this.server.on('error', (error: Error) => console.error('[local-mail]', error.message));
  }

  static async start(options: LocalMailServerOptions = {}): Promise<LocalMailServer> {
    const mail = new LocalMailServer(options);
    await new Promise<void>((resolve, reject) => {
      mail.server.server.once('error', reject);
      mail.server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    mail.portNumber = (mail.server.server.address() as AddressInfo).port;
    // Never the reason a process stays up.
    mail.server.server.unref();
    return mail;
  }

  get host(): string {
    return '127.0.0.1';
  }

  get port(): number {
    return this.portNumber;
  }

  /** Resolves with the first message (received from now on, or already received) that `match` accepts. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs = 10_000): Promise<ReceivedMail> {
    const already = this.received.find(match);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no matching mail within ${timeoutMs} ms (${this.received.length} received)`));
      }, timeoutMs);
      const listener = (mail: ReceivedMail): void => {
        if (!match(mail)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(mail);
      };
      this.listeners.add(listener);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
