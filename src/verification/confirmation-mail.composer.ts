import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { HubConfig } from '../config/hub-config.js';
import { type ComposedMail, MailComposer } from '../mail/mail-composer.js';
import type { OutboxMessage } from '../mail/outbox.entity.js';
import { confirmationEmail } from './confirmation-email.js';
import { mintToken } from './tokens.js';
import { VerificationRequest } from './verification-request.entity.js';
import { VerificationToken } from './verification-token.entity.js';

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
    const request = await manager.findOneBy(VerificationRequest, { id: message.requestId });
    // Superseded, confirmed or expired before we got to send it: the email would only confuse.
    if (!request || request.status !== 'pending' || request.expiresAt.getTime() <= Date.now()) return null;
    const { token, hash } = mintToken();
    await manager.insert(VerificationToken, { tokenHash: hash, requestId: request.id });
    const link = `${this.config.publicUrl}/confirm/${token}`;
    return { to: request.contact, ...confirmationEmail(request, link, this.config.publicUrl), link };
  }
}
