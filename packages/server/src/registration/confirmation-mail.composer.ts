import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { hubIdentity } from '../common/page-layout.js';
import { HubConfig } from '../config/hub-config.js';
import { hydrate } from '../database/hydrate.js';
import { type ComposedMail, MailComposer } from '../mail/mail-composer.js';
import type { OutboxMessage } from '../mail/outbox.entity.js';
import { confirmationEmail } from './confirmation-email.js';
import { mintToken } from './tokens.js';
import { VerificationRequest } from './verification-request.entity.js';

export const CONFIRMATION_MAIL_KIND = 'confirmation';

/**
 * Writes the confirmation emails at delivery time. A fresh token is minted for each delivery attempt and only
 * its hash is stored, so the outbox never holds a usable link. (A token whose email failed to leave is
 * harmless: nobody ever saw it, and it dies with its request.)
 */
@Injectable()
export class ConfirmationMailComposer extends MailComposer {
  constructor(private readonly config: HubConfig) {
    super();
  }

  async compose(messages: readonly OutboxMessage[], manager: EntityManager): Promise<(ComposedMail | null)[]> {
    // The request each message is about, when it is a confirmation email (other kinds get null).
    const requestIds = messages.map((message) => (message.kind === CONFIRMATION_MAIL_KIND ? message.requestId : null));
    const minted = requestIds.filter((id) => id !== null).map((requestId) => ({ requestId, ...mintToken() }));
    if (minted.length === 0) return messages.map(() => null);
    // One round trip for the batch: a token is stored only for a request still pending and unexpired. Superseded,
    // confirmed or expired before we got to send it, the email would only confuse: no row, no email.
    const rows = (await manager.query(
      `WITH wanted AS (
         SELECT * FROM unnest($1::uuid[], $2::bytea[]) AS wanted (request_id, token_hash)
       ), request AS (
         SELECT r.* FROM verification_requests r JOIN wanted ON wanted.request_id = r.id
          WHERE r.status = 'pending' AND r.expires_at > now()
       ), token AS (
         INSERT INTO verification_tokens (token_hash, request_id)
         SELECT wanted.token_hash, wanted.request_id FROM wanted JOIN request ON request.id = wanted.request_id
         RETURNING request_id
       )
       SELECT to_jsonb(request) AS request FROM request JOIN token ON token.request_id = request.id`,
      [minted.map((token) => token.requestId), minted.map((token) => token.hash)],
    )) as Array<{ request: Record<string, unknown> }>;
    const requests = new Map(rows.map(({ request }) => [request.id as string, hydrate(manager, VerificationRequest, request)]));
    const tokens = new Map(minted.map((token) => [token.requestId, token.token]));
    return requestIds.map((requestId) => {
      const request = requestId === null ? undefined : requests.get(requestId);
      if (!request) return null;
      const link = `${this.config.publicUrl}/confirm/${tokens.get(request.id)}`;
      return { to: request.contact, ...confirmationEmail(request, link, hubIdentity(this.config)), link };
    });
  }
}
