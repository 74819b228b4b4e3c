import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { CHANNELS } from '../database/channels.js';

/**
 * "The answer for this domain changed" (confirmation, update, removal, revocation). Announced with
 * PostgreSQL NOTIFY inside the changing transaction, so it is delivered to every instance exactly when the
 * change commits, and never for a change that rolled back.
 */
@Injectable()
export class PeerEvents extends EventEmitter {
  async changed(manager: EntityManager, domain: string): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [CHANNELS.peerChanged, domain]);
  }
}
