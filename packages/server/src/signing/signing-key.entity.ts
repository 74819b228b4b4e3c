import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The hub's generated signing key, used when HUB_SIGNING_KEY is not supplied. */
@Entity({ name: 'signing_keys' })
export class SigningKeyRow {
  @PrimaryColumn({ type: 'text' }) kid: string;
  @Column({ name: 'private_pkcs8', type: 'text' }) privatePkcs8: string;
  @Column({ name: 'public_jwk', type: 'jsonb' }) publicJwk: Record<string, string>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
