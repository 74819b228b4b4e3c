/**
 * The federation client library: what a chat server embeds to find its peers (DNS first, the hub as fallback),
 * register with a hub, check its own DNS set-up and seal payloads for a peer. Free of NestJS and TypeORM.
 */
export { FederationResolver, type FederationResolverOptions, type ResolvedPeer } from './resolver.js';
export {
  DnsUnavailable,
  FederationError,
  HubUnavailable,
  InvalidPeerRecord,
  NotAllowed,
  PeerNotFound,
  RegistrationRefused,
  SealError,
} from './errors.js';
export { lookupOnHub, registerWithHub, type HubLookup, type RegisterOptions, type RegistrationResult } from './hub-api.js';
export type { HubJwks } from './proof.js';
export { orderSrv } from './srv-order.js';
export { ProtocolError } from '../protocol/errors.js';
