import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { CHANNELS } from '../database/channels.js';
import { OutboxMessage } from './outbox.entity.js';

export interface NewOutboxMessage {
  kind: string;
  requestId: string;
  recipient: string;
}

/** Writes to and reads the outbox. Enqueueing happens inside the caller's transaction: request and email are one write. */
@Injectable()
export class OutboxService {
  private readonly wakeListeners = new Set<() => void>();

  constructor(private readonly dataSource: DataSource) {}

  /** Queues an email and wakes every instance's worker (NOTIFY is delivered when the transaction commits). */
  async enqueue(manager: EntityManager, message: NewOutboxMessage): Promise<void> {
    // One statement, one round trip: registration is CPU-bound on round trips through the driver and TypeORM.
    await manager.query(
      `WITH queued AS (
         INSERT INTO mail_outbox (kind, request_id, recipient, status) VALUES ($1, $2, $3, 'queued') RETURNING id
       )
       SELECT id, pg_notify($4, '') FROM queued`,
      [message.kind, message.requestId, message.recipient, CHANNELS.outbox],
    );
  }

  /** A superseded request's email is not sent if it has not gone out yet. */
  async cancelForRequest(manager: EntityManager, requestId: string): Promise<void> {
    await manager.update(OutboxMessage, { requestId, status: 'queued' }, { status: 'cancelled' });
  }

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
