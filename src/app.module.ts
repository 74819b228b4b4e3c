import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { ConfigModule } from './config/config.module.js';
import { HubConfig } from './config/hub-config.js';
import { dataSourceOptions } from './database/data-source.js';
import { HealthModule } from './health/health.module.js';
import { loggerOptions } from './common/logging.js';

@Module({})
export class AppModule {
  /** `config.databaseUrl` must be set: main.ts fills it with the embedded server's URL when needed. */
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(config)),
        TypeOrmModule.forRoot({
          ...dataSourceOptions({
            url: config.databaseUrl!,
            replicaUrls: config.databaseReplicaUrls,
            poolSize: config.databasePoolSize,
          }),
          // Nest must not keep retrying for minutes when the database is away at start-up.
          retryAttempts: 2,
          retryDelay: 500,
        }),
        HealthModule,
      ],
    };
  }
}
