import type { EntityManager } from 'typeorm';
import { type ComposedMail, MailComposer } from './mail-composer.js';
import type { OutboxMessage } from './outbox.entity.js';

/**
 * The app has one composer; each feature that sends a kind of email writes its own. This one hands each
 * feature's composer the messages of its kind (one call each, so each still reads its batch in one round trip)
 * and puts the answers back in order. A message of a kind no composer knows is not sent (null).
 */
export abstract class ByKindComposer extends MailComposer {
  protected abstract readonly composers: Readonly<Record<string, MailComposer>>;

  async compose(messages: readonly OutboxMessage[], manager: EntityManager): Promise<(ComposedMail | null)[]> {
    const out: (ComposedMail | null)[] = messages.map(() => null);
    for (const [kind, composer] of Object.entries(this.composers)) {
      const positions = messages.flatMap((message, index) => (message.kind === kind ? [index] : []));
      if (positions.length === 0) continue;
      const mails = await composer.compose(positions.map((index) => messages[index]!), manager);
      positions.forEach((position, i) => (out[position] = mails[i] ?? null));
    }
    return out;
  }
}
