import type { EntityManager } from 'typeorm';
import type { HubConfig } from '../config/hub-config.js';
import { type ComposedMail, MailComposer } from '../mail/mail-composer.js';
import type { OutboxMessage } from '../mail/outbox.entity.js';
import { OWNER_NOTICE_MAIL_KIND, type OwnerNoticeFacts } from './owner-notice.js';
import { ownerNoticeEmail } from './owner-notice-email.js';

/** Writes the owner notices from the facts stored with each outbox message (one read for the batch). */
export class OwnerNoticeComposer extends MailComposer {
  constructor(private readonly config: Pick<HubConfig, 'publicUrl'>) {
    super();
  }

  async compose(messages: readonly OutboxMessage[], manager: EntityManager): Promise<(ComposedMail | null)[]> {
    const ids = messages.filter((message) => message.kind === OWNER_NOTICE_MAIL_KIND).map((message) => message.id);
    if (ids.length === 0) return messages.map(() => null);
    const rows = (await manager.query(`SELECT id::text AS id, notice FROM mail_outbox WHERE id = ANY($1::bigint[])`, [ids])) as Array<{
      id: string;
      notice: OwnerNoticeFacts | null;
    }>;
    const facts = new Map(rows.map((row) => [row.id, row.notice]));
    return messages.map((message) => {
      const notice = message.kind === OWNER_NOTICE_MAIL_KIND ? facts.get(String(message.id)) : undefined;
      return notice ? { to: message.recipient, ...ownerNoticeEmail(notice, this.config.publicUrl) } : null;
    });
  }
}
