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
