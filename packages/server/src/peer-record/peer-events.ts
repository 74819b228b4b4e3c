import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { CHANNELS } from '../database/channels.js';

/**
 * "The answer for this domain changed" (confirmation, update, removal, revocation). Announced with
 * PostgreSQL NOTIFY inside the changing transaction, so it reaches every instance exactly when the change
 * commits, and never for a change that rolled back; and, on the instance that made the change, also at once
 * after the commit (`committed`), so its own next lookup cannot race the notification.
 */
@Injectable()
export class PeerEvents extends EventEmitter {
  async changed(manager: EntityManager, domain: string): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [CHANNELS.peerChanged, domain]);
  }

  committed(domain: string): void {
    this.emit('changed', domain);
  }
}
