/**
 * The log state file (packages/client/src/log-state.ts) and how HubLogVerifier refuses a state it cannot trust,
 * before it asks the hub anything (the hub URL here has nothing listening).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HubLogVerifier } from '../../packages/client/src/hub-log-verifier.js';
import { formatCheckpoint } from '../../packages/client/src/log/checkpoint.js';
import { signNote, verifierKey } from '../../packages/client/src/log/note.js';
import { LogStateError, readLogState, writeLogState } from '../../packages/client/src/log-state.js';
import { freePort } from '../support/ports.js';

const dir = () => mkdtempSync(join(tmpdir(), 'log-state-'));

describe('the log state file', () => {
  it('is absent until written; written whole, 0600, with no temporary file left', () => {
    const file = join(dir(), 'nested', 'state.json');
    assert.equal(readLogState(file), undefined);
    writeLogState(file, { hub: 'https://hub.example.org', checkpoint: 'x\n1\n\n', monitor: { domain: 'a.example.com', next: 3 } });
    assert.deepEqual(readLogState(file), { hub: 'https://hub.example.org', checkpoint: 'x\n1\n\n', monitor: { domain: 'a.example.com', next: 3 } });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(file, '..')), ['state.json']);
  });

  it('refuses a file that is not JSON or not a state, naming the file', () => {
    const folder = dir();
    const cases: Array<[string, RegExp]> = [
      ['{oops', /is not JSON/],
      ['[]', /is not a federation-hub log state/],
      ['{"hub": 1}', /is not a federation-hub log state/],
      ['{"hub": "https://h.example", "monitor": {"domain": "a.example", "next": "3"}}', /is not a federation-hub log state/],
    ];
    for (const [text, message] of cases) {
      const file = join(folder, 'bad.json');
      writeFileSync(file, text);
      assert.throws(() => readLogState(file), (error: unknown) => error instanceof LogStateError && message.test(error.message) && error.message.includes(file));
    }
  });
});

describe('HubLogVerifier and its state file', () => {
  const origin = 'hub.state.example';
  const keys = generateKeyPairSync('ed25519');
  const logKey = verifierKey(origin, keys.publicKey);

  it('needs a log key (or trust on first use), and refuses a malformed one', () => {
    assert.throws(() => new HubLogVerifier('http://127.0.0.1:1', {}), /needs logKey/);
    assert.throws(() => new HubLogVerifier('http://127.0.0.1:1', { logKey: 'hub+00000000+AAAA' }), /logKey: verifier key/);
    assert.throws(() => new HubLogVerifier('http://127.0.0.1:1', { logKey: [] }), /at least one/);
  });

  it('refuses a state file about another hub, and a saved checkpoint the key did not sign, before any request', async () => {
    const hubUrl = `http://127.0.0.1:${await freePort()}`;
    const folder = dir();
    const other = join(folder, 'other.json');
    writeLogState(other, { hub: 'https://elsewhere.example.org' });
    await assert.rejects(new HubLogVerifier(hubUrl, { logKey, logStateFile: other }).audit(), (error: unknown) =>
      error instanceof LogStateError && /about the hub https:\/\/elsewhere\.example\.org/.test(error.message));

    const forged = join(folder, 'forged.json');
    const note = signNote(formatCheckpoint({ origin, size: 3, root: Buffer.alloc(32, 1) }), origin, generateKeyPairSync('ed25519').privateKey);
    writeLogState(forged, { hub: hubUrl, checkpoint: note });
    await assert.rejects(new HubLogVerifier(hubUrl, { logKey, logStateFile: forged }).audit(), (error: unknown) =>
      error instanceof LogStateError && /does not verify with the log key/.test(error.message));
    assert.equal(JSON.parse(readFileSync(forged, 'utf8')).checkpoint, note, 'left as it was: it may be evidence');

    // A good state is read; the hub, not listening, is then unavailable (not a log failure).
    const good = join(folder, 'good.json');
    writeLogState(good, { hub: hubUrl, checkpoint: signNote(formatCheckpoint({ origin, size: 3, root: Buffer.alloc(32, 1) }), origin, keys.privateKey) });
    const verifier = new HubLogVerifier(hubUrl, { logKey, logStateFile: good, timeoutMs: 500 });
    assert.equal((await verifier.current())?.size, 3);
    await assert.rejects(verifier.audit(), (error: unknown) => (error as Error).name === 'HubUnavailable');
  });
});
