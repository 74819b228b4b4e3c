import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALPHA, BETA, runPeerPair } from '../../examples/peer-pair/run.js';

describe('examples/peer-pair, end to end (three chat-server processes, a hub process, DNS and SMTP on loopback)', () => {
  it('alpha (DNS) and beta (hub, confirmed by email, proved in its log) find each other, exchange sealed messages, and gamma cannot open a misdelivered one', async () => {
    const lines: string[] = [];
    const report = await runPeerPair((line) => lines.push(line));

    assert.match(report.betaRegistration.detail ?? '', /registration pending: confirm the link sent to webmaster@beta\.example\.org/, lines.join('\n'));
    // alpha finds beta through the hub (DNS has no records for it), its proof checked against the hub's JWKS …
    assert.equal(report.alphaFoundBeta.source, 'hub');
    assert.equal(report.alphaFoundBeta.proofVerified, true);
    // … and proved included in the hub's transparency log, at beta's one entry.
    assert.equal(report.betaLogEntries.length, 1, 'beta was confirmed once');
    assert.equal(report.alphaFoundBeta.logIndex, report.betaLogEntries[0]);
    // … and beta finds alpha through DNS: the legacy _tcp SRV whose protocol TXT says http.
    assert.equal(report.betaFoundAlpha.source, 'dns');
    assert.match(report.betaFoundAlpha.url, /^http:\/\/127\.0\.0\.1:\d+$/);

    assert.deepEqual(report.betaInbox, [{ from: ALPHA, text: 'Hello beta, alpha here 👋', senderFoundBy: 'dns' }]);
    assert.deepEqual(report.alphaInbox, [{ from: BETA, text: 'Hi alpha — beta says grüß dich', senderFoundBy: 'hub', senderLogIndex: report.betaLogEntries[0] }]);

    assert.equal(report.misdelivery.status, 400);
    assert.equal(report.misdelivery.error, 'cannot-open');
    assert.match(report.misdelivery.message, /^sealed for another key/);
    assert.deepEqual(report.gammaInbox, [], 'gamma kept nothing');
    assert.ok(!report.misdelivery.message.includes('for beta only'), 'nothing of the payload leaks into the refusal');
  });
});
