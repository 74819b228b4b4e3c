import { formatFingerprint } from '@federation-hub/client/protocol';
import { html } from '../common/html.js';
import { changedFields, type OwnerNoticeFacts } from './owner-notice.js';

export interface OwnerNoticeEmail {
  subject: string;
  text: string;
  html: string;
}

const FIELD_WORDS = { key: 'public key', url: 'server URL', contact: 'contact address', reinstated: 'record (reinstated after a revocation)' } as const;

/**
 * The notice to the contact of a record that just changed: what changed, when, the new fingerprint, and what to do
 * if they did not ask for it. It carries no link to act on, so there is nothing to phish with and nothing to
 * prefetch; it points to the commands that show and watch the domain's log instead.
 */
export function ownerNoticeEmail(facts: OwnerNoticeFacts, hubUrl: string): OwnerNoticeEmail {
  const { domain } = facts;
  const fields = listed(changedFields(facts).map((field) => FIELD_WORDS[field]));
  const what =
    facts.action === 'remove'
      ? `${domain} was removed from the hub: other chat servers no longer find it here.`
      : facts.action === 'revoke'
        ? `An operator of the hub revoked ${domain}: lookups no longer return it. Reason given: ${facts.reason}`
        : `A new ${fields} for ${domain} was confirmed: other chat servers now reach it ${facts.next!.url === facts.previous.url ? 'at the same URL' : `at ${facts.next!.url}`} and encrypt to ${facts.next!.fingerprint === facts.previous.fingerprint ? 'the same key' : 'the new key'}.`;
  const subject =
    facts.action === 'remove'
      ? `${domain} was removed from the federation hub`
      : facts.action === 'revoke'
        ? `${domain} was revoked on the federation hub`
        : `The ${fields} of ${domain} changed on the federation hub`;

  const facts_: Array<[string, string]> = [
    ['Domain', domain],
    ['Changed at', facts.at],
    ['Change', facts.action === 'update' ? `new ${fields}` : facts.action === 'remove' ? 'removed' : 'revoked by an operator'],
    ...(facts.next
      ? ([
          ['New public key fingerprint (SHA-256)', formatFingerprint(facts.next.fingerprint)],
          ['New server URL', facts.next.url],
          ['New contact', facts.next.contact],
        ] as Array<[string, string]>)
      : []),
    ...(facts.reason !== null ? ([['Reason', facts.reason]] as Array<[string, string]>) : []),
    ['Previous public key fingerprint (SHA-256)', formatFingerprint(facts.previous.fingerprint)],
    ['Previous server URL', facts.previous.url],
    ...(facts.logIndex !== null ? ([['Transparency log entry', String(facts.logIndex)]] as Array<[string, string]>) : []),
  ];
  const why = `You get this because ${facts.previous.contact} was the contact of the record for ${domain} before this change.`;
  const monitor = `federation-hub monitor ${domain} --hub ${hubUrl}`;
  const ifNot =
    facts.action === 'revoke'
      ? [
          "This was done by the hub's operator, not through your domain's mailbox. Peers no longer find the domain through this hub:",
          `1. If you think it is a mistake, write to the hub's operator (the sender of this email) and quote the reason above.`,
          `2. See every change the hub has published for ${domain}, and watch for the next one from cron: ${monitor}`,
        ]
      : [
          "If you did not ask for this change, someone who can read mail for your domain's contact address (or the hub's operator) made it:",
          `1. Check who can read ${facts.next?.contact ?? facts.previous.contact} and the mail for ${domain}; change those passwords.`,
          `2. Put your own record back: register your server's URL and key again (federation-hub register --hub ${hubUrl} ...); the hub emails a confirmation link to the contact.`,
          `3. Tell the hub's operator (the sender of this email), and tell your peers that the ${facts.action === 'remove' ? 'record was removed' : 'record changed'} without your consent.`,
          `4. See every change the hub has published for ${domain}, and watch for the next one from cron: ${monitor}`,
        ];
  const ifYou = facts.action === 'revoke' ? [] : ['If this was you, nothing else is needed.', ''];

  const text = [why, '', what, '', ...facts_.map(([label, value]) => `${label}: ${value}`), '', ...ifYou, ...ifNot].join('\n');

  const body = html`<!doctype html>
<html lang="en"><body style="font-family:sans-serif;line-height:1.5;max-width:36rem">
<p>${why}</p>
<p>${what}</p>
<table>${facts_.map(([label, value]) => html`<tr><th align="left" style="padding-right:1em">${label}</th><td><code>${value}</code></td></tr>`)}</table>
${ifYou.length > 0 ? html`<p>${ifYou[0]!}</p>` : ''}
<p>${ifNot[0]!}</p>
<ol>${ifNot.slice(1).map((step) => html`<li>${step.replace(/^\d\. /, '')}</li>`)}</ol>
</body></html>`;

  return { subject, text, html: body.value };
}

/** "a", "a and b", "a, b and c". */
function listed(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
