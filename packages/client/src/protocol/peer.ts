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

export interface RegistrationRequest {
  domain: string;
  url: string;
  public_key: string;
  contact?: string;
}

export interface RegistrationAccepted {
  status: 'pending';
  domain: string;
  contact: string;
  expires_at: string;
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
