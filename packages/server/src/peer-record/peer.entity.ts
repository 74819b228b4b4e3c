import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A confirmed domain: the only thing lookups read. Pending changes live in verification_requests. */
@Entity({ name: 'peers' })
export class Peer {
  @PrimaryColumn({ type: 'text' }) domain: string;
  @Column({ type: 'text' }) url: string;
  @Column({ name: 'public_key', type: 'text' }) publicKey: string;
  @Column({ type: 'text' }) fingerprint: string;
  @Column({ type: 'text' }) contact: string;
  @Column({ name: 'confirmed_at', type: 'timestamptz' }) confirmedAt: Date;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
  @Column({ name: 'revoked_reason', type: 'text', nullable: true }) revokedReason: string | null;
}
