import { FederationError } from '../errors.js';

/**
 * A log artefact (signed note, checkpoint, entry, proof) that fails its checks: a malformed text, an unknown or
 * bad signature, an entry that is not in its canonical encoding. The message says which check failed and never
 * repeats key material.
 */
export class LogVerificationError extends FederationError {
  readonly code = 'LOG_VERIFICATION_FAILED';
  constructor(message: string) {
    super(message);
  }
}
