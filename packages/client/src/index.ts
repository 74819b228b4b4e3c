/**
 * The federation client library: what a chat server embeds to find its peers (DNS first, the hub as fallback),
 * register with a hub, check its own DNS set-up and seal payloads for a peer. Free of NestJS and TypeORM, so that
 * `import … from 'federation-hub/client'` pulls in none of the hub.
 */
export { FederationResolver, type FederationResolverOptions, type ResolvedPeer } from './resolver.js';
export {
  DnsUnavailable,
  FederationError,
  HubLogInconsistent,
  HubLogProofInvalid,
  HubUnavailable,
  InvalidPeerRecord,
  NotAllowed,
  PeerNotFound,
  RegistrationRefused,
  SealError,
} from './errors.js';
export { lookupOnHub, registerWithHub, type HubLookup, type RegisterOptions, type RegistrationResult } from './hub-api.js';
export { verifyWithHub, type VerifyOptions } from './hub-api.js';
export {
  FederationNode,
  type FederationNodeOptions,
  NODE_STATUS,
  type FederationSettings,
  type NodeStatus,
  type PeerCodec,
  type SealedForPeer,
  type StatusChange,
} from './node.js';
export { checkDns, type CheckDnsOptions, type DnsCheckEntry, type DnsCheckRecord, type DnsCheckReport } from './check-dns.js';
export { checkHub, type CheckHubOptions, type HubCheck } from './check-hub.js';
export { open, seal, SEALED_PAYLOAD_TYPE } from './seal.js';
export {
  LEGACY_DOMAIN_HEADER,
  LEGACY_ROCKETCHAT_CODEC,
  type LegacyBody,
  MIN_LEGACY_RSA_BITS,
  openLegacy,
  openLegacyBytes,
  sealLegacy,
  sealLegacyBytes,
} from './legacy-rocketchat.js';
export { generateFederationKeyPair, type FederationKeyPair, type FederationKeyPairOptions } from './key-pair.js';
export { importPrivateKey, importPublicKey, type PrivateKeyInput, type PublicKeyInput } from './key-input.js';
export { proofKeys, type HubJwks, type ProofKeys } from './proof.js';
export { orderSrv } from './srv-order.js';
export { DnsClient, DnsQueryFailed, parseServerAddress, type DnsAnswer, type DnsClientOptions } from './dns/client.js';
// The shared rules, so that a chat server validates its own settings exactly as the hub and its peers do.
export * from './protocol/index.js';
// The transparency log: Merkle proofs, signed notes, checkpoints and the leaf encoding (docs/transparency-log.md).
export * from './log/index.js';
// Checking a hub's log evidence: lookups (FederationResolver's logKey), auditors and monitors.
export { type CheckpointEvidence } from './errors.js';
export { HubLogVerifier, type HubLogOptions } from './hub-log-verifier.js';
export { openCheckpoint, verifyPeerInclusion, type AnsweredRecord, type VerifiedCheckpoint } from './hub-log.js';
export { LogApi, type LogEntriesPage, type LogEntryAnswer } from './log-api.js';
export { LogStateError, readLogState, writeLogState, type LogState } from './log-state.js';
