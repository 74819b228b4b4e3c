/** The wire shapes shared by the hub and its client. */

export interface PeerAnswer {
  domain: string;
  url: string;
  public_key: string;
  fingerprint: string;
  /** ISO 8601 */
  confirmed_at: string;
  /** Compact JWS by the hub's key over ProofClaims. */
  proof: string;
  /** When this key was first confirmed for the domain, from the transparency log (ISO 8601); null when unknown. */
  key_since?: string | null;
  /** The record's transparency-log entry, its inclusion proof and the checkpoint the proof is for. */
  log?: PeerLogProof | null;
}

/** `peer.log` of a lookup answer (docs/transparency-log.md); hashes and the leaf in base64. */
export interface PeerLogProof {
  index: number;
  tree_size: number;
  leaf: string;
  inclusion: string[];
  /** The signed checkpoint (C2SP signed note) of size tree_size. */
  checkpoint: string;
}

export interface LookupResponse {
  peer: PeerAnswer;
}

/** How a registration is proven: a link emailed to the contact (the default, Rocket.Chat's way), a DNS TXT record or an HTTP file. */
export type ProofMethod = 'email' | 'dns' | 'http';

export interface RegistrationRequest {
  domain: string;
  url: string;
  public_key: string;
  contact?: string;
  /** Absent: email. */
  method?: ProofMethod;
}

/** What to publish for a dns or http challenge (exactly one of the two). */
export interface ChallengeInstructions {
  /** A TXT record at `name` whose value is `value`. */
  dns?: { name: string; type: 'TXT'; value: string };
  /** `url` must answer 200 with `body` (a trailing newline is allowed). */
  http?: { url: string; body: string; content_type: 'text/plain' };
}

export interface RegistrationAccepted extends ChallengeInstructions {
  status: 'pending';
  domain: string;
  contact: string;
  expires_at: string;
  /** Absent from hubs that know only email. */
  method?: ProofMethod;
  /** Email: when the confirmation email left or will leave (after the domain's cooldown). */
  email_at?: string;
  /** dns/http: where to ask the hub to check (POST). */
  verify_url?: string;
}

/** The answer to `POST /api/v1/peers/{domain}/verify`: what the hub found, and whether that confirmed the domain. */
export interface VerificationAnswer {
  status: 'confirmed' | 'pending';
  domain: string;
  method: 'dns' | 'http';
  /** One line: what the hub saw ("no TXT record (NXDOMAIN) at …", "HTTP 404 from http://…", "found"). */
  finding: string;
  checked_at: string;
  expires_at: string;
  /** pending: when the hub checks again by itself. */
  next_check_at?: string;
  /** confirmed */
  url?: string;
  fingerprint?: string;
  confirmed_at?: string;
}

/** The answer (200) when the domain is already confirmed with exactly this URL and key: nothing to do. */
export interface RegistrationConfirmed {
  status: 'confirmed';
  domain: string;
  url: string;
  fingerprint: string;
  confirmed_at: string;
}

/** The hub's error body for every 4xx/5xx. */
export interface HubErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

export interface ProofClaims {
  domain: string;
  url: string;
  public_key: string;
  fingerprint: string;
  confirmed_at: string;
  /** The index of the record's transparency-log entry, when it has one. */
  log_index?: number;
  iat: number;
  exp: number;
  iss: string;
}

/** `typ` header of lookup proofs. */
export const PROOF_JWS_TYPE = 'federation-peer+jwt';
