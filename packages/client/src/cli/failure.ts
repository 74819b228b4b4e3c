import {
  DnsUnavailable,
  FederationError,
  HubLogInconsistent,
  HubLogProofInvalid,
  HubUnavailable,
  InvalidPeerRecord,
  NotAllowed,
  PeerNotFound,
  RegistrationRefused,
} from '../index.js';
import { ProtocolError } from '../protocol/index.js';
import { EXIT, UsageError } from './args.js';
import type { Io } from './command.js';

/**
 * Prints an error as one line, always prefixed `federation-hub <command>: `, and picks the exit code: 1 for a definite
 * "no" (not found, refused, not allowed, a broken record, a hub log that fails its checks: an inconsistent one also
 * prints both checkpoints), 2 for usage mistakes, bad input and network trouble. Unexpected errors are rethrown.
 */
export function reportFailure(error: unknown, io: Io, command: string): number {
  if (error instanceof UsageError) {
    io.err(`federation-hub ${command}: ${error.message}`);
    io.err(`Run "federation-hub ${command} --help" for usage.`);
    return EXIT.usageOrNetwork;
  }
  if (error instanceof ProtocolError) {
    io.err(`federation-hub ${command}: ${error.message}`);
    return EXIT.usageOrNetwork;
  }
  if (error instanceof HubUnavailable || error instanceof DnsUnavailable) {
    const retry = error instanceof HubUnavailable && error.retryAfterSeconds !== undefined ? ` (retry in ${error.retryAfterSeconds} s)` : '';
    io.err(`federation-hub ${command}: ${error.message}${retry}`);
    return EXIT.usageOrNetwork;
  }
  if (error instanceof HubLogInconsistent) {
    // The evidence, on stdout so that it can be kept: both checkpoints, signed, as the hub served them.
    io.err(`INCONSISTENT LOG: ${error.message}`);
    io.out(`Checkpoint seen before (tree size ${error.seen.size}):`);
    io.out(error.seen.note.trimEnd());
    io.out('');
    io.out(`Checkpoint served now (tree size ${error.served.size}):`);
    io.out(error.served.note.trimEnd());
    return EXIT.no;
  }
  if (error instanceof HubLogProofInvalid) {
    io.err(error.message);
    return EXIT.no;
  }
  if (error instanceof PeerNotFound || error instanceof InvalidPeerRecord || error instanceof NotAllowed || error instanceof RegistrationRefused) {
    io.err(`federation-hub ${command}: ${error.message}`);
    return EXIT.no;
  }
  if (error instanceof FederationError) {
    io.err(`federation-hub ${command}: ${error.message}`);
    return EXIT.usageOrNetwork;
  }
  throw error;
}
