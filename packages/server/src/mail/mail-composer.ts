import type { EntityManager } from 'typeorm';
import type { OutboxMessage } from './outbox.entity.js';

export interface ComposedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The confirmation link, logged only by the development file mailbox. */
  link?: string;
}

/**
 * Writes outbox messages at delivery time, inside the worker's claim transaction (so anything it stores, such as
 * a token hash, is rolled back with the claim). It receives the whole claimed batch so that it can read and write
 * for all of them in one round trip, and answers in the same order: a message, or null when there is nothing to
 * send any more. The feature that queues a kind of email provides the composer (the verification feature does),
 * so the mail module does not depend on it.
 */
export abstract class MailComposer {
  abstract compose(messages: readonly OutboxMessage[], manager: EntityManager): Promise<(ComposedMail | null)[]>;
}
