import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSendError, retryDelaySeconds } from '../../packages/server/src/mail/retry.js';

describe('retry schedule', () => {
  it('doubles from the base, first retry within 30 s by default, capped', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => retryDelaySeconds(n, 15, 3600)), [15, 30, 60, 120, 240]);
    assert.ok(retryDelaySeconds(1, 15, 3600) <= 30);
    assert.equal(retryDelaySeconds(20, 15, 3600), 3600);
  });

  it('keeps SMTP credentials and line breaks out of stored errors', () => {
    const stored = describeSendError(new Error('connect to smtps://user:secret@mail.example.com:465 failed\nat line 2'));
    assert.ok(!stored.includes('secret'));
    assert.ok(!stored.includes('\n'));
    assert.match(stored, /smtps:\/\/\*\*\*@mail\.example\.com/);
  });
});
