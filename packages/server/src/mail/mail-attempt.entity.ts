import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One delivery attempt of an outbox message, kept for the admin API's email history. */
@Entity({ name: 'mail_attempts' })
export class MailAttempt {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'outbox_id', type: 'bigint' }) outboxId: string;
  @Column({ name: 'attempted_at', type: 'timestamptz', default: () => 'now()' }) attemptedAt: Date;
  @Column({ type: 'boolean' }) ok: boolean;
  @Column({ type: 'text', nullable: true }) error: string | null;
}
