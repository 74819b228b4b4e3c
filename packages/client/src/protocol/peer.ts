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
  iat: number;
  exp: number;
  iss: string;
}

/** `typ` header of lookup proofs. */
export const PROOF_JWS_TYPE = 'federation-peer+jwt';
