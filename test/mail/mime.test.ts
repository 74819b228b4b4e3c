import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { mimeWriter } from '../../packages/server/src/mail/mime.js';

// What the hub writes is read back by mailparser, the parser the SMTP capture server uses in the other suites.
describe('MIME messages as the hub writes them', () => {
  const mail = {
    to: 'webmaster@example.com',
    subject: 'Confirm example.com for the federation hub',
    text: 'Line one = equals\n.a line starting with a dot\n' + 'long '.repeat(60) + '\nnon-ASCII: Grüße, 日本',
    html: '<!doctype html>\n<p>Grüße <a href="https://hub.example/confirm/abc_DEF-123">Review and confirm</a></p>\n<p>' + 'x'.repeat(1200) + '</p>',
  };

  it('round-trips sender, recipient, subject, date, text and HTML exactly', async () => {
    const date = new Date('2026-11-26T05:30:00Z');
    const { envelope, raw } = mimeWriter('Federation Hub <hub@hub.example>')(mail, date);
    assert.deepEqual(envelope, { from: 'hub@hub.example', to: ['webmaster@example.com'] });
    const parsed = await simpleParser(raw);
    assert.deepEqual(parsed.from?.value, [{ address: 'hub@hub.example', name: 'Federation Hub' }]);
    assert.equal(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : undefined, 'webmaster@example.com');
    assert.equal(parsed.subject, mail.subject);
    assert.equal(parsed.date?.toISOString(), date.toISOString());
    assert.match(parsed.messageId ?? '', /^<[0-9a-f-]{36}@hub\.example>$/);
    assert.equal(parsed.text?.replace(/\n$/, ''), mail.text);
    assert.equal(parsed.html, mail.html);
  });

  it('keeps every line within 78 characters and uses CRLF line ends only', () => {
    const { raw } = mimeWriter('hub@hub.example')(mail);
    const lines = raw.split('\r\n');
    assert.ok(!lines.some((line) => line.includes('\n') || line.includes('\r')), 'a bare CR or LF');
    const longest = Math.max(...lines.map((line) => line.length));
    assert.ok(longest <= 78, `a line of ${longest} characters`);
  });

  it('encodes a non-ASCII display name and subject, and quotes a display name with specials', async () => {
    const unicode = await simpleParser(mimeWriter('Föderations-Hub <hub@hub.example>')({ ...mail, subject: 'Bestätigen Sie bücher.example' }).raw);
    assert.deepEqual(unicode.from?.value, [{ address: 'hub@hub.example', name: 'Föderations-Hub' }]);
    assert.equal(unicode.subject, 'Bestätigen Sie bücher.example');
    const special = await simpleParser(mimeWriter('"Hub, Inc." <hub@hub.example>')(mail).raw);
    assert.deepEqual(special.from?.value, [{ address: 'hub@hub.example', name: 'Hub, Inc.' }]);
    const bare = mimeWriter('hub@hub.example')(mail);
    assert.match(bare.raw, /^From: hub@hub\.example\r\n/);
  });

  it('cannot be made to write a header of its own through a line break in a value', async () => {
    const { raw } = mimeWriter('hub@hub.example')({ ...mail, subject: 'Confirm x\r\nBcc: victim@example.org' });
    const parsed = await simpleParser(raw);
    assert.equal(parsed.bcc, undefined);
    assert.equal(parsed.subject, 'Confirm x Bcc: victim@example.org');
  });

  it('refuses a MAIL_FROM that names no address', () => {
    assert.throws(() => mimeWriter('Federation Hub'), /MAIL_FROM "Federation Hub" names no email address/);
  });
});
