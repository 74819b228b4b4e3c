/** PostgreSQL NOTIFY channels the hub uses between its instances. */
export const CHANNELS = {
  /** payload: a domain whose lookup answer changed (confirmed, updated, removed, revoked). */
  peerChanged: 'hub_peer_changed',
  /** payload: the index of an entry appended to the transparency log (a checkpoint may become due). */
  logGrew: 'hub_log_grew',
  /** payload: the size of a transparency-log checkpoint just signed (every instance serves it from now). */
  logCheckpoint: 'hub_log_checkpoint',
} as const;
