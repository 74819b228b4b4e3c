import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizePeerUrl, ProtocolError } from '../../packages/client/src/protocol/index.js';

describe('normalizePeerUrl accepts and canonicalises', () => {
  const CASES: Array<[input: string, expected: string]> = [
    ['https://chat.example.com', 'https://chat.example.com'],
    ['https://chat.example.com/', 'https://chat.example.com'],
    ['  HTTPS://Chat.Example.COM:443/  ', 'https://chat.example.com'],
    ['http://chat.example.com:80', 'http://chat.example.com'],
    ['https://chat.example.com:8443/', 'https://chat.example.com:8443'],
    ['https://example.com/rocketchat/', 'https://example.com/rocketchat'],
    ['https://bücher.example', 'https://xn--bcher-kva.example'],
    ['https://chat.example.com.:8443', 'https://chat.example.com:8443'],
    ['http://192.0.2.10:3000', 'http://192.0.2.10:3000'],
    ['https://[2001:db8::1]:8443/', 'https://[2001:db8::1]:8443'],
  ];
  for (const [input, expected] of CASES) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(normalizePeerUrl(input), expected));
  }

  it('is idempotent', () => {
    for (const [input] of CASES) {
      const once = normalizePeerUrl(input);
      assert.equal(normalizePeerUrl(once), once);
    }
  });
});

describe('normalizePeerUrl refuses with the rule in words', () => {
  const CASES: Array<[what: string, input: unknown, message: string]> = [
    ['a number', 1, 'url: must be a string'],
    ['an empty string', ' ', 'url: must not be empty'],
    ['ftp', 'ftp://chat.example.com', 'url: must use http or https'],
    ['javascript:', 'javascript:alert(1)', 'url: must use http or https'],
    ['data:', 'data:text/html,hi', 'url: must use http or https'],
    ['file:', 'file:///etc/passwd', 'url: must use http or https'],
    ['no scheme', 'chat.example.com', 'url: must be an absolute URL like https://chat.example.com'],
    ['a sloppy scheme', 'https:chat.example.com', 'url: must be an absolute URL like https://chat.example.com'],
    ['credentials', 'https://user:secret@chat.example.com', 'url: must not contain credentials'],
    ['an empty userinfo', 'https://@chat.example.com', 'url: must not contain credentials'],
    ['a fragment', 'https://chat.example.com/#top', 'url: must not contain a fragment (#…)'],
    ['an empty fragment', 'https://chat.example.com#', 'url: must not contain a fragment (#…)'],
    ['a query', 'https://chat.example.com/?a=1', 'url: must not contain a query string (?…)'],
    ['an empty query', 'https://chat.example.com?', 'url: must not contain a query string (?…)'],
    ['inner whitespace', 'https://chat.example.com/a b', 'url: must not contain spaces or control characters'],
    ['a newline', 'https://chat.example.com/\nx', 'url: must not contain spaces or control characters'],
    ['a backslash', 'https://chat.example.com\\evil.com', 'url: must not contain backslashes'],
    ['port 0', 'https://chat.example.com:0', 'url: port must be between 1 and 65535'],
    ['a port out of range', 'https://chat.example.com:70000', 'url: is not a valid URL (check the host name and the port)'],
    ['over 2048 characters', `https://chat.example.com/${'a'.repeat(2048)}`, 'url: must be at most 2048 characters'],
  ];
  for (const [what, input, message] of CASES) {
    it(`${what}: ${message}`, () => {
      assert.throws(
        () => normalizePeerUrl(input),
        (error: unknown) => error instanceof ProtocolError && error.message === message,
      );
    });
  }

  it('names the field it was given', () => {
    assert.throws(() => normalizePeerUrl('ftp://x.example', 'hubUrl'), { message: 'hubUrl: must use http or https' });
  });
});
