import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { HubConfig } from '../config/hub-config.js';
import type { ComposedMail } from './mail-composer.js';
import { type MimeWriter, mimeWriter, parseSender } from './mime.js';

/** One delivery lane: sends one message at a time, on its own connection, so that a slow message holds only it. */
export interface MailLane {
  send(mail: ComposedMail): Promise<void>;
  close(): void;
}

export interface MailTransport {
  /** `smtp` for real delivery, `file` for the development mailbox. */
  readonly kind: 'smtp' | 'file';
  openLane(): MailLane;
}

/** The code of every send time-out (nodemailer's own time-outs use it too): what the domain back-off reacts to. */
export const SEND_TIMEOUT_CODE = 'ETIMEDOUT';

/** SMTP_URL set → SMTP; unset → each message written to $DATA_DIR/mail/<time>-<domain>.eml. Both send what mime.ts writes. */
export function createMailTransport(config: HubConfig): MailTransport {
  // The hub's name is the From display name (HUB_NAME), sent from MAIL_FROM's address.
  const write = mimeWriter({ name: config.hubName, address: parseSender(config.mailFrom)!.address });
  return config.smtpUrl ? smtpTransport(config, config.smtpUrl, write) : fileMailbox(join(config.dataDir, 'mail'), write);
}

function smtpTransport(config: HubConfig, url: string, write: MimeWriter): MailTransport {
  // The URL goes inside the options object: `createTransport(url, options)` would read the second argument as
  // message defaults and silently drop the pool and the timeouts (one new connection per email, no timeouts).
  // Settings written in the URL's query string win over these.
  const options: SMTPPool.Options & { url: string } = {
    url,
    // One connection per lane, reused for its messages: one SMTP handshake per message would cap delivery far
    // below registration speed.
    pool: true,
    maxConnections: 1,
    // Each step has its own limit, so a server that stops answering fails the message in seconds and frees the
    // lane: connecting, the greeting, and the answer to each command (socketTimeout is the silence allowed while
    // waiting for one: a RCPT TO that is never answered fails after SMTP_COMMAND_TIMEOUT_MS).
    connectionTimeout: config.smtpConnectTimeoutMs,
    greetingTimeout: config.smtpGreetingTimeoutMs,
    socketTimeout: config.smtpCommandTimeoutMs,
    // A message whose connection fails is the outbox's to retry (with its back-off, its attempt counted, its
    // domain backed off on time-outs): the pool must not quietly try it again on the same lane.
    maxRequeues: 0,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  return {
    kind: 'smtp',
    openLane() {
      let transporter: Transporter = nodemailer.createTransport(options);
      return {
        async send(mail) {
          // A server that answers each command just in time could still hold the lane for ever: the whole
          // message has a limit too. Past it the lane's connection is dropped and a fresh one used next time.
          let timer: NodeJS.Timeout | undefined;
          const overall = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              const hung = transporter;
              transporter = nodemailer.createTransport(options);
              hung.close();
              reject(Object.assign(new Error(`SMTP: message not sent within ${config.smtpSendTimeoutMs} ms (SMTP_SEND_TIMEOUT_MS)`), { code: SEND_TIMEOUT_CODE }));
            }, config.smtpSendTimeoutMs);
          });
          const started = Date.now();
          try {
            await Promise.race([transporter.sendMail(write(mail)), overall]);
          } catch (error) {
            // When a command's answer does not come, nodemailer reports either its "Timeout" (ETIMEDOUT) or, as
            // often, the pool's "connection was closed" (ECONNECTION) that the time-out caused: the latter after
            // waiting the whole SMTP_COMMAND_TIMEOUT_MS is the same time-out, and is reported as one.
            const code = (error as { code?: unknown }).code;
            if (code === 'ECONNECTION' && Date.now() - started >= config.smtpCommandTimeoutMs) {
              throw Object.assign(new Error(`SMTP: no answer within ${config.smtpCommandTimeoutMs} ms (SMTP_COMMAND_TIMEOUT_MS)`), { code: SEND_TIMEOUT_CODE, cause: error });
            }
            throw error;
          } finally {
            clearTimeout(timer);
          }
        },
        close: () => transporter.close(),
      };
    },
  };
}

function fileMailbox(directory: string, write: MimeWriter): MailTransport {
  const logger = new Logger('DevMailbox');
  const lane: MailLane = {
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
  return { kind: 'file', openLane: () => lane };
}
