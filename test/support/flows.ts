import assert from 'node:assert/strict';
import request from 'supertest';
import type { SmtpCapture, CapturedMessage } from './smtp-capture.js';
import { extractLink } from './smtp-capture.js';

/** What a Rocket.Chat server sends, plus the optional contact. */
export interface Registration {
  domain: string;
  url: string;
  public_key: string;
  contact?: string;
}

/** The registration of `domain` at `https://<domain>` with `publicKey`. */
export function registrationFor(domain: string, publicKey: string): Registration {
  return { domain, url: `https://${domain}`, public_key: publicKey };
}

export function register(hubUrl: string, body: Registration | Record<string, unknown>) {
  return request(hubUrl).post('/api/v1/peers').set('Content-Type', 'application/json').send(body);
}

/** Waits for the confirmation email to `recipient` that arrives after the `already` messages seen so far, and returns its link. */
export async function confirmationLinkFor(
  smtp: SmtpCapture,
  recipient: string,
  publicUrl: string | undefined,
  already = 0,
): Promise<{ message: CapturedMessage; link: string; token: string }> {
  // Only a message with a link: the same mailbox also gets owner notices (about the previous change), which have none.
  const message = await smtp.waitFor(
    (m, index) => index >= already && m.to.includes(recipient) && extractLink(m.text, publicUrl) !== undefined,
    15_000,
  );
  const link = extractLink(message.text, publicUrl);
  assert.ok(link, `no confirmation link in the email to ${recipient}`);
  return { message, link, token: link.slice(link.lastIndexOf('/') + 1) };
}

/** Registers, reads the email and POSTs the confirmation: the whole flow, for tests that need a confirmed peer. */
export async function registerAndConfirm(
  hubUrl: string,
  publicUrl: string,
  smtp: SmtpCapture,
  body: Registration,
): Promise<void> {
  const before = smtp.messages.length;
  const accepted = await register(hubUrl, body);
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  const { token } = await confirmationLinkFor(smtp, accepted.body.contact, publicUrl, before);
  const confirmed = await request(hubUrl).post(`/confirm/${token}`).set('Accept', 'application/json');
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
}
