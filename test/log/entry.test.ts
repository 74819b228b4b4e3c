/** The log's leaf encoding: canonical, strict, documented in docs/transparency-log.md. */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeLogEntry, encodeLogEntry, LogVerificationError, type LogEntry } from '../../packages/client/src/log/index.js';
import { parsePublicKey } from '../../packages/client/src/protocol/index.js';

const pem = parsePublicKey(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' })).pem;
const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\n/g, ''), 'base64');
const fingerprint = createHash('sha256').update(der).digest('hex');

const registered: LogEntry = {
  index: 41,
  time: '2026-12-01T11:38:58.123Z',
  domain: 'chat.example.com',
  action: 'register',
  url: 'https://chat.example.com',
  fingerprint,
  previousIndex: null,
  reason: null,
  publicKey: pem,
};
const revoked: LogEntry = {
  index: 42,
  time: '2026-12-01T11:39:00.000Z',
  domain: 'chat.example.com',
  action: 'revoke',
  url: null,
  fingerprint: null,
  previousIndex: 41,
  reason: 'abuse report #7\nsecond line "quoted"',
  publicKey: null,
};

describe('log entry encoding', () => {
  it('writes one field per line, in the documented order', () => {
    assert.equal(
      encodeLogEntry(registered).toString('utf8'),
      'federation-hub-log-entry/v1\nindex 41\ntime 2026-12-01T11:38:58.123Z\ndomain chat.example.com\naction register\n' +
        `url https://chat.example.com\nfingerprint ${fingerprint}\nprevious -\nreason -\nkey ${der.toString('base64')}\n`,
    );
    assert.equal(
      encodeLogEntry(revoked).toString('utf8'),
      'federation-hub-log-entry/v1\nindex 42\ntime 2026-12-01T11:39:00.000Z\ndomain chat.example.com\naction revoke\n' +
        'url -\nfingerprint -\nprevious 41\nreason "abuse report #7\\nsecond line \\"quoted\\""\nkey -\n',
    );
  });

  it('decodes what it encodes, for every action', () => {
    const updated = { ...registered, index: 50, action: 'update' as const, previousIndex: 41 };
    const removed = { ...revoked, index: 51, action: 'remove' as const, reason: null, previousIndex: 50 };
    for (const entry of [registered, revoked, updated, removed]) assert.deepEqual(decodeLogEntry(encodeLogEntry(entry)), entry);
  });

  it('refuses entries that break the rules instead of writing them', () => {
    const refuses = (entry: LogEntry) => assert.throws(() => encodeLogEntry(entry), TypeError);
    refuses({ ...registered, fingerprint: '00'.repeat(32) });
    refuses({ ...registered, time: '2026-12-01T11:38:58Z' });
    refuses({ ...registered, time: '2026-02-30T11:38:58.000Z' });
    refuses({ ...registered, domain: 'Chat.Example.com' });
    refuses({ ...registered, url: 'https://x\nindex 0' });
    refuses({ ...registered, previousIndex: 41 });
    refuses({ ...registered, reason: 'why' });
    refuses({ ...registered, publicKey: pem.replace(/\n/g, '') });
    refuses({ ...revoked, reason: null });
    refuses({ ...revoked, url: 'https://chat.example.com' });
  });

  it('decodes only the canonical bytes: every one-byte change is refused or decodes to a different entry', () => {
    const bytes = encodeLogEntry(registered);
    let refused = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (const replacement of [0x20, 0x30, 0x0a, bytes[i]! ^ 0x01]) {
        if (replacement === bytes[i]) continue;
        const changed = Buffer.from(bytes);
        changed[i] = replacement;
        try {
          const entry = decodeLogEntry(changed);
          // Accepted: then it is another entry, whose own encoding is exactly these bytes.
          assert.ok(encodeLogEntry(entry).equals(changed));
          assert.notDeepEqual(entry, registered);
        } catch (error) {
          assert.ok(error instanceof LogVerificationError, String(error));
          refused += 1;
        }
      }
    }
    assert.ok(refused > bytes.length, `${refused} of ${bytes.length * 4} changes refused`);
  });

  it('refuses non-canonical spellings of the same entry', () => {
    const text = encodeLogEntry(revoked).toString('utf8');
    for (const bad of [
      text.replace('index 42', 'index 042'),
      text.replace('\n', '\r\n'),
      `${text}extra line\n`,
      text.slice(0, -1),
      text.replace('reason "abuse', 'reason  "abuse'),
      text.replace('reason "abuse report #7\\n', 'reason "abuse report #\\u00377\\n'),
      text.replace('previous 41', 'previous 42'),
      text.replace('federation-hub-log-entry/v1', 'federation-hub-log-entry/v2'),
    ]) {
      assert.throws(() => decodeLogEntry(Buffer.from(bad)), LogVerificationError, JSON.stringify(bad));
    }
    const registeredText = encodeLogEntry(registered).toString('utf8');
    assert.throws(() => decodeLogEntry(Buffer.from(registeredText.replace(/key (\S+)=?\n/, 'key $1==\n'))), LogVerificationError);
  });
});
