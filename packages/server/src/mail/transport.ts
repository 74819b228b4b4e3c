import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { HubConfig } from '../config/hub-config.js';
import type { ComposedMail } from './mail-composer.js';
import { type MimeWriter, mimeWriter, parseSender } from './mime.js';

export interface MailTransport {
  /** `smtp` for real delivery, `file` for the development mailbox. */
  readonly kind: 'smtp' | 'file';
  send(mail: ComposedMail): Promise<void>;
  close(): void;
}

/** SMTP_URL set → SMTP; unset → each message written to $DATA_DIR/mail/<time>-<domain>.eml. Both send what mime.ts writes. */
export function createMailTransport(config: HubConfig): MailTransport {
  // The hub's name is the From display name (HUB_NAME), sent from MAIL_FROM's address.
  const write = mimeWriter({ name: config.hubName, address: parseSender(config.mailFrom)!.address });
  return config.smtpUrl ? smtpTransport(config.smtpUrl, write, config.outboxConcurrency) : fileMailbox(join(config.dataDir, 'mail'), write);
}

function smtpTransport(url: string, write: MimeWriter, connections: number): MailTransport {
  // The URL goes inside the options object: `createTransport(url, options)` would read the second argument as
  // message defaults and silently drop the pool and the timeouts (one new connection per email, no timeouts).
  // Settings written in the URL's query string win over these.
  const options: SMTPPool.Options & { url: string } = {
    url,
    // Reuse connections: one SMTP handshake per message would cap delivery far below registration speed.
    pool: true,
    maxConnections: connections,
    // A dead server must fail in seconds so the worker can back off, not hang for minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  const transporter: Transporter = nodemailer.createTransport(options);
  return {
    kind: 'smtp',
    async send(mail) {
      await transporter.sendMail(write(mail));
    },
    close: () => transporter.close(),
  };
}

function fileMailbox(directory: string, write: MimeWriter): MailTransport {
  const logger = new Logger('DevMailbox');
  return {
    kind: 'file',
    async send(mail) {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      const domain = mail.to.slice(mail.to.lastIndexOf('@') + 1).replace(/[^a-z0-9.-]/gi, '_');
      const file = join(directory, `${new Date().toISOString().replace(/[:.]/g, '-')}-${domain}.eml`);
      writeFileSync(file, write(mail).raw, { mode: 0o600 });
      // Development only (SMTP_URL unset): the link is the whole point of the dev mailbox.
      logger.log({ file, to: mail.to }, `dev mailbox: email to ${mail.to} written to ${file}${mail.link ? `; confirmation link: ${mail.link}` : ''}`);
    },
    close: () => undefined,
  };
}
