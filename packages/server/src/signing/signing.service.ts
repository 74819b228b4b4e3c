import { createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK, type JWK, SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { HubConfig } from '../config/hub-config.js';
import { PROOF_JWS_TYPE, type ProofClaims } from '@federation-hub/client/protocol';
import { signNote } from '@federation-hub/client';
import { SigningKeyRow } from './signing-key.entity.js';

const ADVISORY_LOCK_SIGNING_KEY = 7_301_002;
/** HKDF info of the transparency log's key: a key of its own, derived so that every instance holds the same one. */
const LOG_KEY_INFO = 'federation-hub transparency log checkpoint key v1';
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export type ProofSubject = Omit<ProofClaims, 'iat' | 'exp' | 'iss'>;

/**
 * Holds the hub's Ed25519 key: signs lookup answers (`proof`) and publishes the public half as a JWKS.
 * The key comes from HUB_SIGNING_KEY, or is generated once and kept in the database so that every
 * instance signs with the same key.
 */
@Injectable()
export class SigningService implements OnModuleInit {
  private readonly logger = new Logger(SigningService.name);
  private privateKey: KeyObject;
  private publicJwk: JWK & { kid: string };
  private logPrivateKey: KeyObject;

  constructor(
    private readonly config: HubConfig,
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const pem = this.config.hubSigningKey ?? (await this.storedOrGeneratedKey());
    this.privateKey = createPrivateKey(pem);
    if (this.privateKey.asymmetricKeyType !== 'ed25519') {
      throw new Error(`HUB_SIGNING_KEY must be an Ed25519 key, not ${this.privateKey.asymmetricKeyType}`);
    }
    const jwk = await exportJWK(createPublicKey(this.privateKey));
    const kid = await calculateJwkThumbprint(jwk);
    this.publicJwk = { ...jwk, kid, alg: 'EdDSA', use: 'sig' };
    this.logPrivateKey = deriveLogKey(this.privateKey);
  }

  /**
   * The Ed25519 key that signs the transparency log's checkpoints. Derived from the hub key (HKDF-SHA256), so it
   * needs no storage of its own and is the same on every instance; rotating the hub key rotates it too.
   * The private half never leaves this service, and is never logged.
   */
  get logPublicKey(): KeyObject {
    return createPublicKey(this.logPrivateKey);
  }

  /** A C2SP signed note of `text` by the log key under `name` (the log's origin). */
  signLogNote(text: string, name: string): string {
    return signNote(text, name, this.logPrivateKey);
  }

  get keyId(): string {
    return this.publicJwk.kid;
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** A compact JWS over the peer's record, valid for PROOF_TTL_SECONDS from `now`. */
  async sign(subject: ProofSubject, now = new Date()): Promise<{ proof: string; expiresAt: Date }> {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.config.proofTtlSeconds;
    const proof = await new SignJWT({ ...subject })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.publicJwk.kid, typ: PROOF_JWS_TYPE })
      .setIssuer(this.config.publicUrl)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.privateKey);
    return { proof, expiresAt: new Date(exp * 1000) };
  }

  private async storedOrGeneratedKey(): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      // Instances starting together must agree on one key.
      await manager.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_SIGNING_KEY]);
      const repository = manager.getRepository(SigningKeyRow);
      const [existing] = await repository.find({ order: { createdAt: 'ASC' }, take: 1 });
      if (existing) return existing.privatePkcs8;
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const jwk = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(jwk);
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      await repository.insert({ kid, privatePkcs8: pem, publicJwk: jwk as Record<string, string> });
      this.logger.log({ kid }, 'generated the hub signing key (HUB_SIGNING_KEY unset); it is kept in the database');
      return pem;
    });
  }
}

function deriveLogKey(hubKey: KeyObject): KeyObject {
  const seed = Buffer.from(hubKey.export({ format: 'jwk' }).d!, 'base64url');
  const derived = Buffer.from(hkdfSync('sha256', seed, Buffer.alloc(0), LOG_KEY_INFO, 32));
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, derived]), format: 'der', type: 'pkcs8' });
}
