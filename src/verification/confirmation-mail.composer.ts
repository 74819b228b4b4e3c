import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { HubConfig } from '../config/hub-config.js';
import { hydrate } from '../database/hydrate.js';
import { type ComposedMail, MailComposer } from '../mail/mail-composer.js';
import type { OutboxMessage } from '../mail/outbox.entity.js';
import { confirmationEmail } from './confirmation-email.js';
import { mintToken } from './tokens.js';
import { VerificationRequest } from './verification-request.entity.js';

export const CONFIRMATION_MAIL_KIND = 'confirmation';

/**
 * Writes the confirmation email at delivery time. A fresh token is minted for each delivery attempt and only
 * its hash is stored, so the outbox never holds a usable link. (A token whose email failed to leave is
 * harmless: nobody ever saw it, and it dies with its request.)
 */
@Injectable()
export class ConfirmationMailComposer extends MailComposer {
  constructor(private readonly config: HubConfig) {
    super();
  }

  async compose(message: OutboxMessage, manager: EntityManager): Promise<ComposedMail | null> {
    if (message.kind !== CONFIRMATION_MAIL_KIND || !message.requestId) return null;
    const { token, hash } = mintToken();
    // One round trip: the token is stored only if the request is still pending and unexpired. Superseded,
    // confirmed or expired before we got to send it, the email would only confuse: no row, no email.
    const [row] = (await manager.query(
      `WITH request AS (
         SELECT * FROM verification_requests WHERE id = $1 AND status = 'pending' AND expires_at > now()
       ), token AS (
         INSERT INTO verification_tokens (token_hash, request_id) SELECT $2, id FROM request RETURNING request_id
       )
       SELECT to_jsonb(request) AS request FROM request JOIN token ON token.request_id = request.id`,
      [message.requestId, hash],
    )) as Array<{ request: Record<string, unknown> }>;
    if (!row) return null;
    const request = hydrate(manager, VerificationRequest, row.request);
    const link = `${this.config.publicUrl}/confirm/${token}`;
    return { to: request.contact, ...confirmationEmail(request, link, this.config.publicUrl), link };
  }
}
