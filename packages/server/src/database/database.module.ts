import { Global, Module } from '@nestjs/common';
import { PgListener } from './pg-listener.js';

/** Database-wide services beyond TypeORM's own: the LISTEN connection for cross-instance notifications. */
@Global()
@Module({ providers: [PgListener], exports: [PgListener] })
export class DatabaseModule {}
