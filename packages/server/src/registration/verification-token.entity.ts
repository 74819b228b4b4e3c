import { Column, Entity, PrimaryColumn } from 'typeorm';

/** SHA-256 of a confirmation token that was emailed; the token itself is never stored. */
@Entity({ name: 'verification_tokens' })
export class VerificationToken {
  @PrimaryColumn({ name: 'token_hash', type: 'bytea' }) tokenHash: Buffer;
  @Column({ name: 'request_id', type: 'uuid' }) requestId: string;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
