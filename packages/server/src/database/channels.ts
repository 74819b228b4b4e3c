/** PostgreSQL NOTIFY channels the hub uses between its instances. */
export const CHANNELS = {
  /** payload: a domain whose lookup answer changed (confirmed, updated, removed, revoked). */
  peerChanged: 'hub_peer_changed',
} as const;
