import { displayDomain, displayHost } from '../common/display-domain.js';
import { dateInWords, FINGERPRINT_COMMAND, fingerprintHtml, OPENSSL_FINGERPRINT_COMMAND, timeElement, urlLeavesDomain } from '../common/facts.js';
import { html, type SafeHtml } from '../common/html.js';
import { type HubIdentity, operatorLink, renderPage } from '../common/page-layout.js';
import type { LinkProblem } from './confirmation.service.js';
import type { VerificationRequest } from './verification-request.entity.js';

export { PAGE_HEADERS } from '../common/page-layout.js';

/** The words of the warning shown on the page and in the email when the server URL leaves the domain. */
export function elsewhereWarning(request: Pick<VerificationRequest, 'domain' | 'url'>): string | undefined {
  if (!request.url || !urlLeavesDomain(request.url, request.domain)) return undefined;
  return (
    `The server URL is outside ${displayDomain(request.domain)}: peers looking up ${displayDomain(request.domain)} ` +
    `will be sent to ${displayHost(request.url)}. Confirm only if that server is yours.`
  );
}

function details(request: VerificationRequest, when: 'pending' | 'done'): SafeHtml {
  const rows: Array<[string, SafeHtml | string]> = [
    ['Action', request.action === 'register' ? 'Register this server (or update its URL and key)' : 'Remove this domain from the hub'],
    ['Domain', html`<code>${displayDomain(request.domain)}</code>`],
    ...(request.action === 'register'
      ? ([
          ['Server URL', html`<code>${request.url!}</code>`],
          ['Key fingerprint (SHA-256)', fingerprintHtml(request.fingerprint!)],
        ] as Array<[string, SafeHtml]>)
      : []),
    ['Contact', html`<code>${request.contact}</code>`],
    ['Requested', timeElement(request.createdAt)],
    when === 'pending' ? ['Link expires', timeElement(request.expiresAt)] : ['Confirmed', timeElement(request.completedAt ?? new Date())],
  ];
  return html`<dl>${rows.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>`;
}

function warning(request: VerificationRequest): SafeHtml {
  const text = elsewhereWarning(request);
  return text ? html`<p class="warn"><strong>Check the server URL.</strong> ${text}</p>` : html``;
}

function fingerprintCheck(request: VerificationRequest): SafeHtml {
  if (request.action !== 'register') return html``;
  return html`<p>To compare the fingerprint with your server's key file, either command prints the same bytes (OpenSSL in lower case):</p>
<pre>${FINGERPRINT_COMMAND}</pre><pre>${OPENSSL_FINGERPRINT_COMMAND}</pre>`;
}

/** GET /confirm/:token — shows what will happen; changes nothing. */
export function reviewPage(hub: HubIdentity, request: VerificationRequest, action: string): string {
  const domain = displayDomain(request.domain);
  const title = request.action === 'register' ? `Confirm ${domain}` : `Confirm removal of ${domain}`;
  return renderPage(
    hub,
    title,
    html`<h1>${title}</h1>
<p>${hub.name} (<code>${hub.publicUrl}</code>), run by ${operatorLink(hub)}, asks you to confirm this request.
Check that it is what you asked for. Nothing happens until you press Confirm.</p>
${warning(request)}${details(request, 'pending')}${fingerprintCheck(request)}
<form method="post" action="${action}"><button type="submit">Confirm</button></form>
<p class="note">If you did not ask for this, close this page: nothing will change. The link works once, until ${dateInWords(request.expiresAt)}.</p>`,
  );
}

/** POST /confirm/:token, success: what happened and what comes next. */
export function confirmedPage(hub: HubIdentity, request: VerificationRequest): string {
  const domain = displayDomain(request.domain);
  const registered = request.action === 'register';
  const title = registered ? `${domain} is confirmed` : `${domain} was removed`;
  const next = registered
    ? `Lookups of ${domain} through ${hub.name} answer the URL and key below within a second, on every instance of the hub.`
    : `Lookups of ${domain} through ${hub.name} answer "not found" within a second, on every instance of the hub.`;
  return renderPage(
    hub,
    title,
    html`<h1 role="status">${title}</h1>
<h2>What happens next</h2>
<p>${next} To see what other servers now get:</p>
<pre>federation-hub resolve ${request.domain} --hub ${hub.publicUrl}</pre>
<p>Or test the whole set-up, DNS included: <a href="/check/${request.domain}">test ${domain}</a>.</p>
${warning(request)}${details(request, 'done')}`,
  );
}

const PROBLEMS: Record<LinkProblem, { status: number; title: string; text: string }> = {
  unknown: { status: 404, title: 'Link not found', text: 'This confirmation link is not valid. Check that it was copied whole from the email.' },
  expired: {
    status: 410,
    title: 'Link expired',
    text: 'This confirmation link has expired. Register again from your chat server (or with `federation-hub register`) to get a new email.',
  },
  used: { status: 410, title: 'Link already used', text: 'This confirmation link was already used; it works only once. Nothing more to do.' },
  superseded: {
    status: 410,
    title: 'Link replaced',
    text: 'A newer request was made for this domain, so this link no longer works. Use the link in the most recent email.',
  },
};

export function problemStatus(problem: LinkProblem): number {
  return PROBLEMS[problem].status;
}

export function problemMessage(problem: LinkProblem): string {
  return `token: ${PROBLEMS[problem].title.toLowerCase()}. ${PROBLEMS[problem].text}`;
}

/** How to get a new link: the same registration again (the chat server does it, or the CLI). */
function askAgain(hub: HubIdentity, request: VerificationRequest | undefined): SafeHtml {
  const domain = request?.domain ?? '<your domain>';
  const command =
    request?.action === 'remove'
      ? `curl -X DELETE ${hub.publicUrl}/api/v1/peers/${domain}`
      : `federation-hub register --hub ${hub.publicUrl} --domain ${domain} --url ${request?.url ?? '<your server URL>'} --public-key-file federation-public.pem`;
  return html`<h2>How to ask again</h2>
<p>Send the request again, from your chat server's federation settings or with the command below. ${hub.name} then emails a new link.</p>
<pre>${command}</pre>`;
}

export function problemPage(hub: HubIdentity, problem: LinkProblem, request?: VerificationRequest): string {
  const { title, text } = PROBLEMS[problem];
  // Every dead link gets the way to a new one: even a used link's owner may want to change the registration later.
  const again = askAgain(hub, request);
  return renderPage(
    hub,
    title,
    html`<h1>${title}</h1><p>${text}</p>${again}
<p class="note">Questions about this hub: ${operatorLink(hub)}.</p>`,
  );
}
