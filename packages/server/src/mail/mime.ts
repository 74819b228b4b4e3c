import { randomBytes, randomUUID } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import { encodeWord, encodeWords, foldLines, isPlainText, quoteString } from 'nodemailer/lib/mime-funcs';
import { encode as quotedPrintable, wrap as wrapQuotedPrintable } from 'nodemailer/lib/qp';
import type { ComposedMail } from './mail-composer.js';

/** What nodemailer sends as it is: the SMTP envelope and the whole message. */
export interface RawMessage {
  envelope: { from: string; to: string[] };
  raw: string;
}

/** Writes one composed email as the message nodemailer sends (see mimeWriter). */
export type MimeWriter = (mail: ComposedMail, date?: Date) => RawMessage;

/**
 * Writes each email as one MIME message in one string: multipart/alternative, its text and HTML quoted-printable.
 *
 * Why not nodemailer's own composition: it streams every message through a tree of MIME nodes, which cost 1.4-1.5 ms
 * of CPU per confirmation email, against 0.65-0.7 ms to send the same message already written (8 pooled SMTP
 * connections to a capture server in another process): a tenth of all the CPU a registration costs. The encodings
 * are nodemailer's own functions (RFC 2047 words, quoted-printable, header folding); only the layout is written here.
 *
 * `from` is MAIL_FROM ("Name <address>" or an address), parsed once, here, and must name an address; or the display
 * name and address already apart (the transport sends HUB_NAME with MAIL_FROM's address).
 */
export function mimeWriter(from: string | { name: string; address: string }): MimeWriter {
  const sender = typeof from === 'string' ? parseSender(from) : from;
  if (!sender) throw new Error(`MAIL_FROM "${from}" names no email address`);
  const senderAddress = sender.address;
  const fromHeader = header('From', mailbox(sender.name, senderAddress));
  const messageIdDomain = senderAddress.slice(senderAddress.lastIndexOf('@') + 1);
  return (mail, date = new Date()) => {
    // "=_" cannot occur in quoted-printable text, so no body can contain the boundary.
    const boundary = `=_${randomBytes(12).toString('hex')}`;
    const to = oneLine(mail.to);
    const raw = [
      fromHeader,
      header('To', to),
      header('Subject', encodeWords(oneLine(mail.subject), 'Q', 52)),
      header('Date', date.toUTCString().replace('GMT', '+0000')),
      header('Message-ID', `<${randomUUID()}@${messageIdDomain}>`),
      'MIME-Version: 1.0',
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      part(boundary, 'text/plain', mail.text),
      part(boundary, 'text/html', mail.html),
      `--${boundary}--`,
      '',
    ].join('\r\n');
    return { envelope: { from: senderAddress, to: [to] }, raw };
  };
}

/** MAIL_FROM's display name and address, or undefined when it names no address (the config check uses it too). */
export function parseSender(from: string): { name: string; address: string } | undefined {
  const [first] = addressparser(from, { flatten: true });
  return first?.address && /^[^@\s]+@[^@\s]+$/.test(first.address) ? { name: first.name, address: first.address } : undefined;
}

function header(name: string, value: string): string {
  return foldLines(`${name}: ${value}`, 76);
}

/** A header value never spans lines of its own: a line break in one would start a header the hub did not write. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

function mailbox(name: string, address: string): string {
  if (!name) return address;
  // As nodemailer writes a display name: encoded if not ASCII, quoted if it holds anything but words and spaces.
  const display = !isPlainText(name) ? encodeWord(name, 'Q', 52) : /^[\w ]*$/.test(name) ? name : quoteString(name);
  return `${display} <${address}>`;
}

function part(boundary: string, type: string, content: string): string {
  const body = wrapQuotedPrintable(quotedPrintable(content.replace(/\r?\n/g, '\r\n')), 76);
  return [`--${boundary}`, `Content-Type: ${type}; charset=utf-8`, 'Content-Transfer-Encoding: quoted-printable', '', body].join('\r\n');
}
