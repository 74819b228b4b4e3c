import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainBackoff, recipientDomain } from '../../packages/server/src/mail/domain-backoff.js';

describe('DomainBackoff', () => {
  it('backs a domain off after a time-out, doubling per consecutive one, until a send succeeds', () => {
    let now = 0;
    const backoff = new DomainBackoff(15, 60, () => now);
    assert.deepEqual(backoff.backedOff(), []);
    assert.equal(backoff.timedOut('slow.example'), 15);
    assert.deepEqual(backoff.backedOff(), ['slow.example']);
    now = 15_000;
    assert.deepEqual(backoff.backedOff(), [], 'over after its pause');
    assert.equal(backoff.timedOut('slow.example'), 30);
    assert.equal(backoff.timedOut('slow.example'), 60);
    assert.equal(backoff.timedOut('slow.example'), 60, 'capped');
    backoff.succeeded('slow.example');
    assert.deepEqual(backoff.backedOff(), []);
    assert.equal(backoff.timedOut('slow.example'), 15, 'starts afresh after a success');
  });

  it('remembers a bounded number of domains, forgetting the oldest', () => {
    const backoff = new DomainBackoff(15, 60, () => 0, 2);
    for (const domain of ['a.example', 'b.example', 'c.example']) backoff.timedOut(domain);
    assert.deepEqual(backoff.backedOff().sort(), ['b.example', 'c.example']);
  });

  it('reads the domain of an address', () => {
    assert.equal(recipientDomain('webmaster@Chat.Example.com'), 'chat.example.com');
  });
});
