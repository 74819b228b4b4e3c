import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ChallengeMethod = 'dns' | 'http';

/**
 * The challenge of a registration to be proven by DNS or HTTP rather than by email. Only a hash of its token is
 * stored (as for emailed links); the registrant got the token once, in the 202 answer. `active` until it passed, its
 * request was superseded or it expired; the background re-check claims due ones with a lease (`leased_until`), so
 * that several instances never check one challenge at the same moment.
 */
@Entity({ name: 'ownership_challenges' })
export class OwnershipChallenge {
  @PrimaryColumn({ name: 'request_id', type: 'uuid' }) requestId: string;
  @Column({ type: 'text' }) method: ChallengeMethod;
  @Column({ name: 'token_hash', type: 'bytea' }) tokenHash: Buffer;
  /** The path segment of the HTTP challenge's URL (public, not a secret). */
  @Column({ name: 'http_id', type: 'text', nullable: true }) httpId: string | null;
  @Column({ type: 'boolean', default: true }) active: boolean;
  @Column({ type: 'int', default: 0 }) checks: number;
  @Column({ name: 'next_check_at', type: 'timestamptz' }) nextCheckAt: Date;
  @Column({ name: 'leased_until', type: 'timestamptz', nullable: true }) leasedUntil: Date | null;
  @Column({ name: 'last_checked_at', type: 'timestamptz', nullable: true }) lastCheckedAt: Date | null;
  @Column({ name: 'last_finding', type: 'text', nullable: true }) lastFinding: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
