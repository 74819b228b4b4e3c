import { describePublicKey, parsePublicKey } from '@federation-hub/client/protocol';
import { displayDomain } from '../common/display-domain.js';
import { fingerprintHtml, timeElement } from '../common/facts.js';
import { html, type SafeHtml } from '../common/html.js';
import { type HubIdentity, operatorLink, renderPage } from '../common/page-layout.js';
import { testerForm } from './tester-page.js';

/** What the lookup form shows: the answer, "not registered", or why the name was refused. */
export type LookupView =
  | { kind: 'none' }
  | { kind: 'found'; domain: string; answer: unknown }
  | { kind: 'not-found'; domain: string }
  | { kind: 'invalid'; input: string; message: string };

/** The settings the "how to register" section quotes. */
export interface RegistrationSettings {
  contactLocalParts: string[];
  tokenTtlHours: number;
}

/**
 * The ways to prove a domain is yours, one entry each. Email is the one this hub has; the DNS and HTTP challenges
 * add their own entry here when they land.
 */
const OWNERSHIP_METHODS: Array<(hub: HubIdentity, settings: RegistrationSettings) => SafeHtml> = [
  (_hub, settings) => html`<h3>By email</h3>
<p>The hub emails a one-time link to ${settings.contactLocalParts.map((part, index) => html`${index > 0 ? ' or ' : ''}<code>${part}@</code>`)}your domain
(the registration's <code>contact</code> picks which). The link opens a page that shows the request; the webmaster presses Confirm.
It works once and expires after ${settings.tokenTtlHours} hours.</p>`,
];

/** Reads the lookup answer's fields for people; `log` and `key_since` appear once the transparency log exists. */
function lookupDetails(domain: string, answer: unknown): SafeHtml {
  const body = (answer ?? {}) as { peer?: Record<string, unknown>; log?: unknown; key_since?: unknown };
  const peer = body.peer ?? {};
  const rows: Array<[string, SafeHtml | string]> = [['Server URL', html`<code>${String(peer.url)}</code>`]];
  try {
    const key = parsePublicKey(String(peer.public_key), { minRsaBits: 0 });
    rows.push(['Key', `${describePublicKey(key)}`], ['Key fingerprint (SHA-256)', fingerprintHtml(key.fingerprint)]);
  } catch {
    rows.push(['Key', 'unreadable']);
  }
  if (typeof peer.confirmed_at === 'string') rows.push(['Confirmed', timeElement(new Date(peer.confirmed_at))]);
  const keySince = peer.key_since ?? body.key_since;
  if (typeof keySince === 'string') rows.push(['Key in use since', timeElement(new Date(keySince))]);
  // The log's exact shape is the transparency-log work's to decide: an index under `log` (peer or answer) or `log_index`.
  const logIndex = readLogIndex(peer.log) ?? readLogIndex(body.log) ?? readLogIndex(peer.log_index) ?? readLogIndex((body as { log_index?: unknown }).log_index);
  if (logIndex !== undefined) {
    rows.push(['Transparency log', html`entry ${String(logIndex)} (<a href="/api/v1/log/checkpoint">checkpoint</a>)`]);
  }
  return html`<dl>${rows.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>
<p class="note">The signed answer other servers get: <a href="/api/v1/peers/${domain}">/api/v1/peers/${domain}</a>.
Check the whole set-up: <a href="/check/${domain}">test ${displayDomain(domain)}</a>.</p>`;
}

function readLogIndex(log: unknown): number | undefined {
  if (typeof log === 'number') return log;
  if (log && typeof log === 'object' && typeof (log as { index?: unknown }).index === 'number') return (log as { index: number }).index;
  return undefined;
}

function lookupResult(view: LookupView): SafeHtml {
  switch (view.kind) {
    case 'none':
      return html``;
    case 'found':
      return html`<section aria-labelledby="lookup-result"><h3 id="lookup-result" role="status">${displayDomain(view.domain)} is registered</h3>${lookupDetails(view.domain, view.answer)}</section>`;
    case 'not-found':
      return html`<section aria-labelledby="lookup-result"><h3 id="lookup-result" role="status">${displayDomain(view.domain)} is not registered here</h3>
<p>${displayDomain(view.domain)} is not registered with this hub (or not confirmed yet). Peers may still find it through DNS:
<a href="/check/${view.domain}">test ${displayDomain(view.domain)}</a>.</p></section>`;
    case 'invalid':
      return html`<section aria-labelledby="lookup-result"><h3 id="lookup-result" role="alert">Not a domain name</h3><p>${view.message}</p></section>`;
  }
}

export function homePage(hub: HubIdentity, settings: RegistrationSettings, view: LookupView): string {
  const input = view.kind === 'none' ? '' : view.kind === 'invalid' ? view.input : view.domain;
  const example = 'chat.example.com';
  const register = `federation-hub register --hub ${hub.publicUrl} --domain ${example} --url https://${example} --public-key-file federation-public.pem`;
  const curl = `curl -X POST ${hub.publicUrl}/api/v1/peers -H 'Content-Type: application/json' -d '{"domain":"${example}","url":"https://${example}","public_key":"-----BEGIN PUBLIC KEY-----MIIB…-----END PUBLIC KEY-----"}'`;
  return renderPage(
    hub,
    view.kind === 'none' ? 'Home' : `Lookup of ${input}`,
    html`<h1>${hub.name}</h1>
<p>A discovery hub for federated chat servers (Rocket.Chat and others that speak its federation protocol). Servers that can
publish DNS records are found through DNS; the others register here. The webmaster of each domain confirms by email, and
every lookup answer is signed by this hub. This hub is run by ${operatorLink(hub)}.</p>

<h2>Look up a server</h2>
<form method="get" action="/">
<label for="lookup-domain">Domain</label>
<div class="field"><input id="lookup-domain" name="domain" type="text" inputmode="url" autocomplete="off" spellcheck="false" placeholder="${example}" value="${input}" required>
<button type="submit">Look up</button></div></form>
${lookupResult(view)}

<h2>Test a server</h2>
<p>Checks a server's DNS records and its registration here, and gives the exact fix for what is wrong.</p>
${testerForm()}

<h2>Register a server</h2>
<p>Most chat servers register from their federation settings. From a terminal, with the
<code>federation-hub</code> command-line tool (<code>federation-hub keygen</code> writes the key files):</p>
<pre>${register}</pre>
<p>Or with curl (the public key as PEM, line breaks removed or escaped):</p>
<pre>${curl}</pre>
<p>Then the domain's owner proves it is theirs:</p>
${OWNERSHIP_METHODS.map((method) => method(hub, settings))}

<h2>For developers and operators</h2>
<ul>
<li><a href="/docs">API documentation</a> (OpenAPI; the JSON document is at <a href="/docs-json">/docs-json</a>)</li>
<li><a href="/.well-known/jwks.json">The hub's signing keys (JWKS)</a>: verify the <code>proof</code> of every lookup answer</li>
<li><a href="/api/v1/log/checkpoint">Transparency log checkpoint</a>: the signed size and root of the log of every key change</li>
<li><a href="/metrics">Metrics</a> (Prometheus): counts only, never domains, addresses or keys</li>
</ul>`,
    { indexable: view.kind === 'none' },
  );
}
