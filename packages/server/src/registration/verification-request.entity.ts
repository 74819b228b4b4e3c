import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type RequestAction = 'register' | 'remove';
/** How the request is proven: a link emailed to the contact (Rocket.Chat's way, the default), or a challenge. */
export type ProofMethod = 'email' | 'dns' | 'http';
export type RequestStatus = 'pending' | 'confirmed' | 'superseded' | 'cancelled';

/**
 * A change a registrant asked for and the domain's contact has not confirmed yet. It never affects lookups
 * until confirmed; a newer request for the same domain supersedes it.
 */
@Entity({ name: 'verification_requests' })
export class VerificationRequest {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) action: RequestAction;
  @Column({ type: 'text' }) domain: string;
  @Column({ type: 'text', nullable: true }) url: string | null;
  @Column({ name: 'public_key', type: 'text', nullable: true }) publicKey: string | null;
  @Column({ type: 'text', nullable: true }) fingerprint: string | null;
  @Column({ type: 'text' }) contact: string;
  @Column({ type: 'text', default: 'email' }) method: ProofMethod;
  @Column({ name: 'requester_ip', type: 'text', nullable: true }) requesterIp: string | null;
  @Column({ type: 'text', default: 'pending' }) status: RequestStatus;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
}
