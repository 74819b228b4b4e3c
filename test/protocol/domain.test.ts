import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { contactDomains, defaultContact, normalizeContact, normalizeDomain, ProtocolError } from '../../packages/client/src/protocol/index.js';

function refusal(work: () => unknown): ProtocolError {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ProtocolError, nothing was thrown');
}

describe('normalizeDomain accepts and canonicalises', () => {
  const CASES: Array<[input: string, expected: string]> = [
    ['chat.example.com', 'chat.example.com'],
    ['  Chat.EXAMPLE.com  ', 'chat.example.com'],
    ['chat.example.com.', 'chat.example.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['BÜCHER.de', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['münchen.例え.jp', 'xn--mnchen-3ya.xn--r8jz45g.jp'],
    ['example.co.uk', 'example.co.uk'],
    ['a-b.example.org', 'a-b.example.org'],
    [`${'a'.repeat(63)}.example.com`, `${'a'.repeat(63)}.example.com`],
  ];
  for (const [input, expected] of CASES) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(normalizeDomain(input), expected));
  }

  it('accepts a 253-character name and refuses 254', () => {
    const labels = (total: number) => {
      // 63-character labels joined by dots, under .com, padded to exactly `total` characters.
      const parts: string[] = [];
      let length = 'com'.length;
      while (length + 64 <= total) {
        parts.push('a'.repeat(63));
        length += 64;
      }
      const rest = total - length - 1;
      if (rest > 0) parts.push('b'.repeat(rest));
      return [...parts, 'com'].join('.');
    };
    assert.equal(labels(253).length, 253);
    assert.equal(normalizeDomain(labels(253)), labels(253));
    assert.equal(labels(254).length, 254);
    assert.equal(refusal(() => normalizeDomain(labels(254))).message, 'domain: must be at most 253 characters');
  });
});

describe('normalizeDomain refuses with the rule in words', () => {
  const CASES: Array<[what: string, input: unknown, message: string]> = [
    ['a number', 42, 'domain: must be a string'],
    ['null', null, 'domain: must be a string'],
    ['an empty string', '   ', 'domain: must not be empty'],
    ['one label', 'localhost', 'domain: must have at least two labels (like example.com)'],
    ['one label with a trailing dot', 'com.', 'domain: must have at least two labels (like example.com)'],
    ['an IPv4 address', '192.0.2.10', 'domain: must not be an IP address'],
    ['an IPv4 address with a trailing dot', '192.0.2.10.', 'domain: must not be an IP address'],
    ['an IPv6 address', '2001:db8::1', 'domain: must not be an IP address'],
    ['a bracketed IPv6 address', '[2001:db8::1]', 'domain: must not be an IP address'],
    ['a numeric last label', 'foo.123', 'domain: must not be an IP address'],
    ['a hexadecimal IPv4 shorthand', '0x7f.1', 'domain: must not be an IP address'],
    ['a wildcard', '*.example.com', 'domain: must not contain wildcards (*)'],
    ['a space', 'exa mple.com', 'domain: must not contain spaces or control characters'],
    ['a header injection', 'evil.com\r\nBcc: victim@example.com', 'domain: must not contain spaces or control characters'],
    ['a NUL', 'evil.com\u0000', 'domain: must not contain spaces or control characters'],
    ['an email address', 'webmaster@example.com', 'domain: must be a domain name, not an email address'],
    ['a URL', 'https://example.com', 'domain: must be a bare domain name, without scheme, port or path (like chat.example.com)'],
    ['a port', 'example.com:443', 'domain: must be a bare domain name, without scheme, port or path (like chat.example.com)'],
    ['a path', 'example.com/chat', 'domain: must be a bare domain name, without scheme, port or path (like chat.example.com)'],
    ['two dots in a row', 'chat..example.com', 'domain: must not contain empty labels (two dots in a row)'],
    ['a leading dot', '.example.com', 'domain: must not contain empty labels (two dots in a row)'],
    ['two trailing dots', 'example.com..', 'domain: must not contain empty labels (two dots in a row)'],
    ['a label over 63', `${'a'.repeat(64)}.example.com`, `domain: label "${'a'.repeat(20)}…" is longer than 63 characters`],
    [
      'an underscore',
      'ex_ample.com',
      'domain: label "ex_ample" may contain only letters, digits and hyphens, and must not start or end with a hyphen',
    ],
    [
      'a leading hyphen',
      '-chat.example.com',
      'domain: label "-chat" may contain only letters, digits and hyphens, and must not start or end with a hyphen',
    ],
    [
      'a trailing hyphen',
      'chat-.example.com',
      'domain: label "chat-" may contain only letters, digits and hyphens, and must not start or end with a hyphen',
    ],
    ['invalid punycode', 'xn--a.example.com', 'domain: is not a valid domain name (IDNA conversion failed)'],
    ['a public suffix', 'co.uk', 'domain: "co.uk" is a public suffix itself; use a name under it'],
    ['a public suffix in capitals', 'CO.UK.', 'domain: "co.uk" is a public suffix itself; use a name under it'],
    ['.local', 'foo.local', 'domain: "foo.local" is not under a public suffix (like .com or .org)'],
    ['.internal', 'example.internal', 'domain: "example.internal" is not under a public suffix (like .com or .org)'],
    ['over-long input', 'a'.repeat(5000), 'domain: must be at most 253 characters'],
  ];
  for (const [what, input, message] of CASES) {
    it(`${what}: ${message}`, () => {
      const error = refusal(() => normalizeDomain(input));
      assert.equal(error.message, message);
      assert.equal(error.field, 'domain');
      assert.equal(error.name, 'ProtocolError');
    });
  }

  it('names the field it was given', () => {
    const error = refusal(() => normalizeDomain('localhost', { field: 'search' }));
    assert.equal(error.field, 'search');
    assert.equal(error.rule, 'must have at least two labels (like example.com)');
    assert.equal(error.message, 'search: must have at least two labels (like example.com)');
  });

  it('converts IDN under a reserved name when the public suffix is not required: bücher.example → xn--bcher-kva.example', () => {
    assert.equal(normalizeDomain('bücher.example', { requirePublicSuffix: false }), 'xn--bcher-kva.example');
    assert.match(refusal(() => normalizeDomain('bücher.example')).message, /"xn--bcher-kva\.example" is not under a public suffix/);
  });

  it('with requirePublicSuffix false accepts private names but still refuses public suffixes and single labels', () => {
    assert.equal(normalizeDomain('Chat.Example.Internal', { requirePublicSuffix: false }), 'chat.example.internal');
    assert.equal(normalizeDomain('foo.local', { requirePublicSuffix: false }), 'foo.local');
    assert.match(refusal(() => normalizeDomain('co.uk', { requirePublicSuffix: false })).message, /public suffix itself/);
    assert.match(refusal(() => normalizeDomain('localhost', { requirePublicSuffix: false })).message, /two labels/);
  });

  it('is idempotent on everything it accepts (property)', () => {
    const label = fc.stringMatching(/^[a-zA-Z0-9äöüé](?:[a-zA-Z0-9äöüé-]{0,10}[a-zA-Z0-9äöüé])?$/);
    const domain = fc
      .tuple(fc.array(label, { minLength: 1, maxLength: 4 }), fc.constantFrom('com', 'org', 'co.uk', 'de', 'example'))
      .map(([labels, suffix]) => `${labels.join('.')}.${suffix}`);
    fc.assert(
      fc.property(fc.oneof(domain, fc.string()), (input) => {
        let once: string;
        try {
          once = normalizeDomain(input, { requirePublicSuffix: false });
        } catch (error) {
          assert.ok(error instanceof ProtocolError);
          return;
        }
        assert.equal(normalizeDomain(once, { requirePublicSuffix: false }), once);
        assert.match(once, /^[a-z0-9.-]+$/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('contact domains and mailboxes', () => {
  it('lists the domain and each parent down to the registrable domain', () => {
    assert.deepEqual(contactDomains('chat.example.com'), ['chat.example.com', 'example.com']);
    assert.deepEqual(contactDomains('example.com'), ['example.com']);
    assert.deepEqual(contactDomains('a.b.example.co.uk'), ['a.b.example.co.uk', 'b.example.co.uk', 'example.co.uk']);
  });

  it('defaults to the first allowed mailbox at the domain itself', () => {
    assert.equal(defaultContact('chat.example.com', ['hostmaster', 'webmaster']), 'hostmaster@chat.example.com');
  });

  it('accepts an allowed mailbox at the domain or a parent, lower-cased', () => {
    assert.equal(normalizeContact('WebMaster@Example.COM', 'chat.example.com', ['webmaster']), 'webmaster@example.com');
    assert.equal(normalizeContact('webmaster@chat.example.com', 'chat.example.com', ['webmaster']), 'webmaster@chat.example.com');
  });

  const REFUSED: Array<[what: string, input: unknown, message: string]> = [
    ['not a string', 7, 'contact: must be a string'],
    ['no @', 'webmaster', 'contact: must be an email address: one of webmaster, hostmaster at chat.example.com or example.com'],
    ['a mailbox not allowed', 'root@example.com', 'contact: mailbox "root" is not allowed; use one of webmaster, hostmaster at chat.example.com or example.com'],
    [
      'another domain',
      'webmaster@attacker.example',
      'contact: must be at the domain or a parent of it: one of webmaster, hostmaster at chat.example.com or example.com',
    ],
    ['the public suffix', 'webmaster@com', 'contact: must be one of webmaster, hostmaster at chat.example.com or example.com'],
    [
      'a child of the domain',
      'webmaster@x.chat.example.com',
      'contact: must be at the domain or a parent of it: one of webmaster, hostmaster at chat.example.com or example.com',
    ],
  ];
  for (const [what, input, message] of REFUSED) {
    it(`refuses ${what}`, () => {
      const error = refusal(() => normalizeContact(input, 'chat.example.com', ['webmaster', 'hostmaster']));
      assert.equal(error.message, message);
      assert.equal(error.field, 'contact');
    });
  }
});
