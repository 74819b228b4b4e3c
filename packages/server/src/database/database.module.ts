import { Global, Module } from '@nestjs/common';
import { DatabaseOutage } from './outage.js';
import { PgListener } from './pg-listener.js';

/** Database-wide services beyond TypeORM's own: the LISTEN connection for cross-instance notifications, outage tracking. */
@Global()
@Module({ providers: [PgListener, DatabaseOutage], exports: [PgListener, DatabaseOutage] })
export class DatabaseModule {}
