import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxMessage } from './outbox.entity.js';

/**
 * Reads and requeues the outbox, and wakes this instance's worker. Emails are queued by the feature that needs
 * them, in the same statement as what they are about (verification's writeRequest); the instance that queued one
 * wakes its own worker (nudge), and the others find it at their next poll (OUTBOX_POLL_MS). No NOTIFY: waking
 * every instance for every email cost ~40% of registration throughput (see the README's Performance section).
 */
@Injectable()
export class OutboxService {
  private readonly wakeListeners = new Set<() => void>();

  constructor(private readonly dataSource: DataSource) {}

  /** Asks this instance's worker to look for due messages now (after a commit that queued one). */
  nudge(): void {
    for (const wake of this.wakeListeners) wake();
  }

  onNudge(wake: () => void): void {
    this.wakeListeners.add(wake);
  }

  listDead(limit = 200): Promise<OutboxMessage[]> {
    return this.dataSource.getRepository(OutboxMessage).find({ where: { status: 'dead' }, order: { id: 'DESC' }, take: limit });
  }

  /** Gives a dead message a fresh set of attempts. */
  async requeue(id: string): Promise<OutboxMessage | null> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(OutboxMessage)
      .set({ status: 'queued', attempts: 0, nextAttemptAt: () => 'now()' })
      .where('id = :id AND status = :dead', { id, dead: 'dead' })
      .returning('*')
      .execute();
    if (!result.affected) return null;
    this.nudge();
    return this.dataSource.getRepository(OutboxMessage).findOneBy({ id });
  }
}
