import { EventEmitter } from 'node:events';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { HubConfig } from '../config/hub-config.js';
import { CHANNELS } from './channels.js';

const RECONNECT_MAX_MS = 5_000;

/**
 * One dedicated connection that LISTENs for the hub's notifications (PostgreSQL NOTIFY), so that every
 * instance hears of a change committed by any other within milliseconds.
 *
 * Events: `notification` (channel, payload); `reset` when the connection was lost or re-established —
 * notifications may have been missed meanwhile, so listeners must drop whatever they cached.
 */
@Injectable()
export class PgListener extends EventEmitter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PgListener.name);
  private client: pg.Client | undefined;
  private stopping = false;
  private retryMs = 250;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** True while notifications are being received: caches may only be trusted then. */
  connected = false;

  constructor(private readonly config: HubConfig) {
    super();
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    this.connected = false;
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.config.databaseUrl,
      connectionTimeoutMillis: 2000,
      application_name: 'federation-hub-listener',
      keepAlive: true,
    });
    client.on('notification', (message) => this.emit('notification', message.channel, message.payload ?? ''));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      for (const channel of Object.values(CHANNELS)) await client.query(`LISTEN ${channel}`);
      this.client = client;
      this.connected = true;
      this.retryMs = 250;
      this.emit('reset');
    } catch (error) {
      await client.end().catch(() => undefined);
      this.lost(client, error);
    }
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (this.client && this.client !== client) return;
    const wasConnected = this.connected;
    this.connected = false;
    this.client = undefined;
    if (wasConnected) {
      this.emit('reset');
      this.logger.warn({ err: error }, 'notification connection lost; lookup cache off until it is back');
    }
    if (this.stopping || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, this.retryMs);
    this.reconnectTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
  }
}
