import { formatFingerprint } from '@federation-hub/client/protocol';
import { html } from './html.js';
import type { VerificationRequest } from './verification-request.entity.js';

export interface ConfirmationEmail {
  subject: string;
  text: string;
  html: string;
}

/** The email to the domain's contact: who asked, what will happen, the link, when it expires. */
export function confirmationEmail(request: VerificationRequest, link: string, hubUrl: string): ConfirmationEmail {
  const removal = request.action === 'remove';
  const subject = removal
    ? `Confirm removal of ${request.domain} from the federation hub`
    : `Confirm ${request.domain} for the federation hub`;
  const effect = removal
    ? `If you confirm, ${request.domain} will be removed from the hub: other chat servers will no longer find it here.`
    : `If you confirm, other chat servers will reach ${request.domain} at ${request.url} and encrypt to the key below.`;
  const facts: Array<[string, string]> = [
    ['Domain', request.domain],
    ...(removal ? [] : ([['Server URL', request.url!], ['Public key fingerprint (SHA-256)', formatFingerprint(request.fingerprint!)]] as Array<[string, string]>)),
    ['Requested from IP', request.requesterIp ?? 'unknown'],
    ['Requested at', request.createdAt.toISOString()],
    ['Link expires at', request.expiresAt.toISOString()],
  ];
  const intro = `Someone asked the federation hub at ${hubUrl} to ${removal ? 'remove' : 'register'} ${request.domain}, and named ${request.contact} as the address that can confirm it.`;
  const ignore = 'If you did not ask for this, ignore this email: nothing changes unless someone opens the link and presses Confirm.';

  const text = [
    intro,
    '',
    ...facts.map(([label, value]) => `${label}: ${value}`),
    '',
    effect,
    '',
    `To review and confirm, open this link and press "Confirm":`,
    link,
    '',
    `The link works once and expires at ${request.expiresAt.toISOString()}.`,
    ignore,
  ].join('\n');

  const body = html`<!doctype html>
<html lang="en"><body style="font-family:sans-serif;line-height:1.5;max-width:36rem">
<p>${intro}</p>
<table>${facts.map(([label, value]) => html`<tr><th align="left" style="padding-right:1em">${label}</th><td><code>${value}</code></td></tr>`)}</table>
<p>${effect}</p>
<p><a href="${link}">Review and confirm</a> (the page has a Confirm button; opening the link alone changes nothing).</p>
<p>The link works once and expires at ${request.expiresAt.toISOString()}.</p>
<p>${ignore}</p>
</body></html>`;

  return { subject, text, html: body.value };
}
