import { displayDomain } from '../common/display-domain.js';
import { dateInWords, FINGERPRINT_COMMAND, fingerprintGroups, OPENSSL_FINGERPRINT_COMMAND } from '../common/facts.js';
import { html, type SafeHtml } from '../common/html.js';
import type { HubIdentity } from '../common/page-layout.js';
import { elsewhereWarning } from './confirmation-pages.js';
import type { VerificationRequest } from './verification-request.entity.js';

export interface ConfirmationEmail {
  subject: string;
  text: string;
  html: string;
}

/** A date as the email gives it: in words with its time zone, and the exact ISO form. */
function when(date: Date): string {
  return `${dateInWords(date)} (${date.toISOString()})`;
}

/**
 * The email to the domain's contact: which hub asks and who runs it, what will happen, the link, when it expires.
 * The text and HTML parts carry the same facts; the HTML uses no fixed widths (phones render it at any width).
 */
export function confirmationEmail(request: VerificationRequest, link: string, hub: HubIdentity): ConfirmationEmail {
  const removal = request.action === 'remove';
  const domain = displayDomain(request.domain);
  const subject = removal ? `Confirm removal of ${domain} from ${hub.name}` : `Confirm ${domain} for ${hub.name}`;
  const effect = removal
    ? `If you confirm, ${domain} will be removed from ${hub.name}: other chat servers will no longer find it here.`
    : `If you confirm, other chat servers that look up ${domain} through ${hub.name} will reach it at ${request.url} and trust the public key whose fingerprint is given above.`;
  const fingerprint = removal ? undefined : fingerprintGroups(request.fingerprint!).join(' ');
  const facts: Array<[string, string]> = [
    ['Domain', domain],
    ...(removal ? [] : ([['Server URL', request.url!], ['Public key fingerprint (SHA-256)', fingerprint!]] as Array<[string, string]>)),
    ['Requested from IP', request.requesterIp ?? 'unknown'],
    ['Requested at', when(request.createdAt)],
    ['Link expires at', when(request.expiresAt)],
  ];
  const intro = `Someone asked ${hub.name} (${hub.publicUrl}), a discovery hub for federated chat servers run by ${hub.operatorContact}, to ${removal ? 'remove' : 'register'} ${domain}, and named ${request.contact} as the address that can confirm it.`;
  const warning = elsewhereWarning(request);
  const compareIntro = "To compare the fingerprint with your server's key file, either command prints the same bytes (OpenSSL in lower case):";
  const compare = removal ? undefined : `${compareIntro}\n  ${FINGERPRINT_COMMAND}\n  ${OPENSSL_FINGERPRINT_COMMAND}`;
  const expiry = `The link works once and expires on ${dateInWords(request.expiresAt)}.`;
  const ignore = 'If you did not ask for this, ignore this email: nothing changes unless someone opens the link and presses Confirm.';
  const signature = `${hub.name} · ${hub.publicUrl} · run by ${hub.operatorContact}`;

  const text = [
    intro,
    '',
    ...facts.map(([label, value]) => `${label}: ${value}`),
    '',
    ...(warning ? [`WARNING: ${warning}`, ''] : []),
    effect,
    '',
    ...(compare ? [compare, ''] : []),
    'To review and confirm, open this link and press "Confirm":',
    link,
    '',
    expiry,
    ignore,
    '',
    '-- ',
    signature,
  ].join('\n');

  const cell = 'padding:4px 12px 4px 0;vertical-align:top;text-align:left';
  // Fingerprint groups never break inside; dates are words and wrap as words; names and URLs may break anywhere.
  const value = (label: string, text: string): SafeHtml =>
    label.startsWith('Public key fingerprint')
      ? html`<code>${text.split(' ').map((group, index) => html`${index > 0 ? ' ' : ''}<span style="white-space:nowrap">${group}</span>`)}</code>`
      : / at$/.test(label)
        ? html`${text}`
        : html`<code style="word-break:break-all">${text}</code>`;
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${subject}</title></head>
<body style="margin:0;padding:16px;font-family:system-ui,sans-serif;line-height:1.5;color:#1b1b1b;background:#ffffff">
<div style="max-width:40em;margin:0 auto">
<p>${intro}</p>
<table role="presentation" style="border-collapse:collapse">${facts.map(
    ([label, text]) => html`<tr><th scope="row" style="${cell}">${label}</th><td style="${cell}">${value(label, text)}</td></tr>`,
  )}</table>
${warning ? html`<p style="border-left:4px solid #b54708;background:#fff6ed;padding:8px 12px"><strong>Check the server URL.</strong> ${warning}</p>` : html``}
<p>${effect}</p>
${compare ? html`<p>${compareIntro}<br><code style="word-break:break-all">${FINGERPRINT_COMMAND}</code><br><code style="word-break:break-all">${OPENSSL_FINGERPRINT_COMMAND}</code></p>` : html``}
<p style="margin:24px 0"><a href="${link}" style="display:inline-block;padding:12px 24px;background:#0b5cad;color:#ffffff;border-radius:6px;text-decoration:none;font-weight:bold">Review and confirm</a></p>
<p>The button opens a page with a Confirm button; opening it alone changes nothing. If the button does not work, copy this link into your browser:<br><a href="${link}" style="word-break:break-all;color:#0b5cad">${link}</a></p>
<p>${expiry}</p>
<p>${ignore}</p>
<p style="color:#404040;font-size:0.9em">${signature}</p>
</div>
</body></html>`;

  return { subject, text, html: body.value };
}
