import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  PROOF_JWS_TYPE,
  protocolRecordName,
  publicKeyRecordName,
  quoteTxtStrings,
  splitTxtValue,
  srvRecordName,
} from '../../packages/client/src/protocol/index.js';

describe('record names', () => {
  it('names the SRV records of each protocol', () => {
    assert.equal(srvRecordName('chat.example.com', 'https'), '_rocketchat._https.chat.example.com');
    assert.equal(srvRecordName('chat.example.com', 'http'), '_rocketchat._http.chat.example.com');
    assert.equal(srvRecordName('chat.example.com', 'tcp'), '_rocketchat._tcp.chat.example.com');
  });

  it('names the TXT records', () => {
    assert.equal(publicKeyRecordName('chat.example.com'), 'rocketchat-public-key.chat.example.com');
    assert.equal(protocolRecordName('chat.example.com'), 'rocketchat-tcp-protocol.chat.example.com');
  });

  it('has the proof type the hub and the client agree on', () => {
    assert.equal(PROOF_JWS_TYPE, 'federation-peer+jwt');
  });
});

describe('TXT values', () => {
  it('splits into strings of at most 255 characters that join back to the value (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.integer({ min: 1, max: 255 }), (value, max) => {
        const parts = splitTxtValue(value, max);
        assert.equal(parts.join(''), value);
        assert.ok(parts.every((part) => part.length >= 1 && part.length <= max));
        assert.equal(parts.length, Math.ceil(value.length / max));
      }),
    );
  });

  it('splits at 255 by default', () => {
    assert.deepEqual(
      splitTxtValue('x'.repeat(600)).map((part) => part.length),
      [255, 255, 90],
    );
  });

  it('refuses a string size DNS cannot carry', () => {
    assert.throws(() => splitTxtValue('abc', 256), RangeError);
    assert.throws(() => splitTxtValue('abc', 0), RangeError);
  });

  it('quotes strings in zone-file syntax', () => {
    assert.equal(quoteTxtStrings(['ab', 'c"d', 'e\\f']), '"ab" "c\\"d" "e\\\\f"');
  });
});
