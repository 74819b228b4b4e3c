/**
 * The client's typed errors. Each has a stable `code` (for programs) and a message that says what happened and,
 * where possible, what to do (for people); none ever carries key material.
 */
export abstract class FederationError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Neither DNS nor the hub knows the domain. */
export class PeerNotFound extends FederationError {
  readonly code = 'PEER_NOT_FOUND';
  constructor(
    readonly domain: string,
    detail: string,
  ) {
    super(`${domain}: not found (${detail})`);
  }
}

/** A record exists but cannot be used: a broken DNS key or protocol value, or a hub answer that fails its checks. */
export class InvalidPeerRecord extends FederationError {
  readonly code = 'INVALID_PEER_RECORD';
  constructor(
    readonly domain: string,
    readonly source: 'dns' | 'hub',
    readonly detail: string,
  ) {
    super(`${domain}: invalid ${source === 'dns' ? 'DNS record' : 'hub answer'}: ${detail}`);
  }
}

/** The hub could not be asked: network error, timeout, 5xx, 429 or an answer that is not the hub's JSON. */
export class HubUnavailable extends FederationError {
  readonly code = 'HUB_UNAVAILABLE';
  constructor(
    readonly hubUrl: string,
    detail: string,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(`hub ${hubUrl} unavailable: ${detail}`);
  }
}

/** DNS could not be asked (no resolver answered), and the hub could not settle the question either. */
export class DnsUnavailable extends FederationError {
  readonly code = 'DNS_UNAVAILABLE';
  constructor(
    readonly domain: string,
    detail: string,
  ) {
    super(`${domain}: DNS unavailable: ${detail}`);
  }
}

/** The domain is outside the allowlist; nothing was asked. */
export class NotAllowed extends FederationError {
  readonly code = 'NOT_ALLOWED';
  constructor(readonly domain: string) {
    super(`${domain}: not in the allowlist of servers to communicate with`);
  }
}

/** The hub refused a registration (4xx other than 429): the message is the hub's, naming the field and rule. */
export class RegistrationRefused extends FederationError {
  readonly code = 'REGISTRATION_REFUSED';
  constructor(
    readonly status: number,
    readonly hubMessage: string,
  ) {
    super(`the hub refused the registration (${status}): ${hubMessage}`);
  }
}

/**
 * seal/open and sealLegacy/openLegacy: a key that cannot be used for it, or a payload that does not open or verify.
 * `cannot-open`: not sealed for our key (a misdelivered payload, or the wrong receiver key). `bad-signature`: not
 * sealed by the expected peer's key (the wrong sender key, or altered on the way). `wrong-codec`: a payload in the
 * other codec than the one chosen for that peer (never opened with the other one: no silent downgrade).
 */
export class SealError extends FederationError {
  readonly code = 'SEAL_ERROR';
  constructor(
    readonly reason: 'unsupported-key' | 'weak-key' | 'cannot-open' | 'bad-signature' | 'bad-payload' | 'wrong-codec',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A hub's transparency-log evidence does not hold: a checkpoint not signed by the log's key (or for another log), a
 * lookup answer without its log object, a leaf that is not exactly this domain, URL and key, or an inclusion proof
 * that does not lead to the checkpoint's root. The answer is refused.
 */
export class HubLogProofInvalid extends FederationError {
  readonly code = 'HUB_LOG_PROOF_INVALID';
  constructor(
    readonly hubUrl: string,
    readonly detail: string,
    /** The domain whose answer failed; undefined for a checkpoint fetched on its own (an audit). */
    readonly domain?: string,
  ) {
    super(`${domain === undefined ? `hub ${hubUrl}` : `${domain}: hub ${hubUrl}`}: transparency log check failed: ${detail}`);
  }
}

/** A checkpoint as evidence: the signed note as the hub served it, and what it says. */
export interface CheckpointEvidence {
  /** The signed note, byte for byte, so that anyone can check its signature again. */
  note: string;
  origin: string;
  size: number;
  /** Base64 root hash. */
  root: string;
}

/**
 * The hub served a checkpoint that is not consistent with one it signed before: the log was rewritten, or the hub
 * shows different clients different logs. Both signed checkpoints are carried: together they prove the lie to
 * anyone who has the log's verifier key.
 */
export class HubLogInconsistent extends FederationError {
  readonly code = 'HUB_LOG_INCONSISTENT';
  constructor(
    readonly hubUrl: string,
    /** The newest checkpoint this client had verified before. */
    readonly seen: CheckpointEvidence,
    /** The checkpoint the hub serves now. */
    readonly served: CheckpointEvidence,
    readonly detail: string,
  ) {
    super(
      `hub ${hubUrl}: the transparency log is not consistent with what this client saw before ` +
        `(size ${seen.size} root ${seen.root}, now size ${served.size} root ${served.root}): ${detail}`,
    );
  }
}
