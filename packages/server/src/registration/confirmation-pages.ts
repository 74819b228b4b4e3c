import { createHash } from 'node:crypto';
import { formatFingerprint } from '@federation-hub/client/protocol';
import { html, SafeHtml } from './html.js';
import type { LinkProblem } from './confirmation.service.js';
import type { VerificationRequest } from './verification-request.entity.js';

// One small inline stylesheet; the CSP admits exactly it (by hash) and nothing else: no scripts, no external assets.
const STYLE = `body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;padding:1rem;color:#1b1b1b;background:#fafafa}
main{max-width:40rem;margin:0 auto;background:#fff;padding:1.25rem;border-radius:.5rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin-top:0}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}code{font-size:.9em}
button{font-size:1.1rem;padding:.6rem 1.4rem;border:0;border-radius:.4rem;background:#0b5cad;color:#fff;cursor:pointer}
button:focus{outline:3px solid #f5a623;outline-offset:2px}.note{color:#555;font-size:.95rem}
@media (max-width:30rem){dl{grid-template-columns:1fr}dd{margin-bottom:.5rem}}`;

export const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

function page(title: string, content: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${title} · Federation Hub</title><style>${new SafeHtml(STYLE)}</style></head>
<body><main>${content}</main></body>
</html>`.value;
}

function details(request: VerificationRequest): SafeHtml {
  const rows: Array<[string, string]> = [
    ['Action', request.action === 'register' ? 'Register this server (or update its URL and key)' : 'Remove this domain from the hub'],
    ['Domain', request.domain],
    ...(request.action === 'register'
      ? ([['Server URL', request.url!], ['Key fingerprint (SHA-256)', formatFingerprint(request.fingerprint!)]] as Array<[string, string]>)
      : []),
    ['Contact', request.contact],
    ['Link expires', request.expiresAt.toISOString()],
  ];
  return html`<dl>${rows.map(([label, value]) => html`<dt>${label}</dt><dd><code>${value}</code></dd>`)}</dl>`;
}

/** GET /confirm/:token — shows what will happen; changes nothing. */
export function reviewPage(request: VerificationRequest, action: string): string {
  const title = request.action === 'register' ? `Confirm ${request.domain}` : `Confirm removal of ${request.domain}`;
  return page(
    title,
    html`<h1>${title}</h1>
<p>Check that this is what you asked for. Nothing happens until you press Confirm.</p>
${details(request)}
<form method="post" action="${action}"><button type="submit">Confirm</button></form>
<p class="note">If you did not ask for this, close this page: nothing will change.</p>`,
  );
}

/** POST /confirm/:token, success. */
export function confirmedPage(request: VerificationRequest): string {
  const title = request.action === 'register' ? `${request.domain} is confirmed` : `${request.domain} was removed`;
  const next =
    request.action === 'register'
      ? `Other servers looking up ${request.domain} through this hub now get the URL and key below.`
      : `Lookups of ${request.domain} through this hub now answer "not found".`;
  return page(title, html`<h1 role="status">${title}</h1><p>${next}</p>${details(request)}`);
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

export function problemPage(problem: LinkProblem): string {
  const { title, text } = PROBLEMS[problem];
  return page(title, html`<h1>${title}</h1><p>${text}</p>`);
}
