import { Injectable } from '@nestjs/common';
import { HubConfig } from './config/hub-config.js';
import { ByKindComposer } from './mail/by-kind.composer.js';
import type { MailComposer } from './mail/mail-composer.js';
import { OWNER_NOTICE_MAIL_KIND } from './owner-notices/owner-notice.js';
import { OwnerNoticeComposer } from './owner-notices/owner-notice.composer.js';
import { CONFIRMATION_MAIL_KIND, ConfirmationMailComposer } from './registration/confirmation-mail.composer.js';

/** Every kind of email the hub sends, and the feature that writes it. */
@Injectable()
export class HubMailComposer extends ByKindComposer {
  protected readonly composers: Readonly<Record<string, MailComposer>>;

  constructor(config: HubConfig) {
    super();
    this.composers = {
      [CONFIRMATION_MAIL_KIND]: new ConfirmationMailComposer(config),
      [OWNER_NOTICE_MAIL_KIND]: new OwnerNoticeComposer(config),
    };
  }
}
