/**
 * A lookup never hangs on the checkpoint rate: with checkpoints at most once an hour, a lookup of a record confirmed
 * after the latest checkpoint answers within LOG_PROOF_WAIT_MS, without its log object, and is cached only briefly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { registerAndConfirm, registrationFor } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';

describe('a lookup right after a change, before its checkpoint', () => {
  let hub: MailingTestHub;
  const key = generateTestKeyPair({ type: 'ec', curve: 'P-256' }).publicPem;

  before(async () => {
    hub = await startMailingHub('log_proof_wait', { LOG_CHECKPOINT_SECONDS: '3600', LOG_PROOF_WAIT_MS: '200' });
  });
  after(() => hub.stop());

  // A lookup that waited for the checkpoint would hang for an hour: the test's time-out catches that, no stopwatch.
  it('answers without the log object instead of waiting for the next checkpoint, and says so in its max-age', { timeout: 60_000 }, async () => {
    // The hub signed its first checkpoint at start: the next one may come only in an hour.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, registrationFor('second.example.com', key));
    const second = await request(hub.url).get('/api/v1/peers/second.example.com');
    assert.equal(second.status, 200);
    assert.equal(second.body.peer.log, null, 'no checkpoint covers the new entry yet');
    assert.ok(second.body.peer.key_since, 'key_since comes from the entry itself');
    const maxAge = Number(/max-age=(\d+)/.exec(second.headers['cache-control'])![1]);
    assert.ok(maxAge <= 3600, `max-age ${maxAge}: a pending answer is not cached past the next checkpoint`);
  });
});
