/** The OpenAPI example of GET /api/v1/check/<domain> (a set-up that works by DNS; the hub does not know it). */
export const CHECK_REPORT_EXAMPLE = {
  domain: 'chat.example.com',
  checked_at: '2026-12-01T12:00:00.000Z',
  cached: false,
  verdict: 'dns',
  summary: 'Peers can reach this server by DNS. The hub does not know it, which is fine: DNS is enough.',
  reachable: { dns: true, hub: false },
  dns: {
    ok: true,
    url: 'https://chat.example.com',
    fingerprint: '3bcb…',
    entries: [
      {
        record: 'srv-https',
        name: '_rocketchat._https.chat.example.com',
        type: 'SRV',
        status: 'ok',
        found: '10 5 443 chat.example.com.',
        expected: 'SRV records whose targets resolve to your chat server (used)',
      },
      {
        record: 'public-key',
        name: 'rocketchat-public-key.chat.example.com',
        type: 'TXT',
        status: 'wrong',
        found: 'the key is cut short (255 characters, no -----END PUBLIC KEY-----)',
        expected: 'one TXT record holding your SPKI public key (PEM), split into strings of at most 255 characters',
        fix: 'your DNS provider cut the value at 255 characters: enter it as several quoted strings of one record:',
        zone_line: 'rocketchat-public-key.chat.example.com. 3600 IN TXT "-----BEGIN PUBLIC KEY-----MIIB…" "…-----END PUBLIC KEY-----"',
      },
    ],
  },
  hub: {
    url: 'https://hub.example.org',
    ok: false,
    peer_url: null,
    fingerprint: null,
    row: { record: 'hub', name: 'https://hub.example.org', type: 'hub', status: 'wrong', found: 'the hub answered 404: …', expected: 'a confirmed registration' },
  },
  agreement: { status: 'not-comparable', url: null, key: null, detail: 'Nothing to compare: only DNS gives a URL and a key; the hub has no registration.' },
};
