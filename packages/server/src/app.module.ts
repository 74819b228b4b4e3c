import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { ConfigModule } from './config/config.module.js';
import { HubConfig } from './config/hub-config.js';
import { dataSourceOptions } from './database/data-source.js';
import { DatabaseModule } from './database/database.module.js';
import { AdminModule } from './admin/admin.module.js';
import { HealthModule } from './health/health.module.js';
import { HousekeepingModule } from './housekeeping/housekeeping.module.js';
import { MailModule } from './mail/mail.module.js';
import { HubMailComposer } from './hub-mail.composer.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { LookupModule } from './lookup/lookup.module.js';
import { RegistrationModule } from './registration/registration.module.js';
import { OwnershipChallengesModule } from './ownership-challenges/ownership-challenges.module.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { PagesModule } from './pages/pages.module.js';
import { InFlightInterceptor, InFlightWork } from './common/in-flight.js';
import { loggerOptions } from './common/logging.js';

@Module({})
export class AppModule {
  /** `config.databaseUrl` must be set: main.ts fills it with the embedded server's URL when needed. */
  static forRoot(config: HubConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(logger)),
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
        DatabaseModule,
        MetricsModule,
        HealthModule,
        RateLimitModule,
        MailModule.forRoot({ composer: HubMailComposer }),
        RegistrationModule,
        OwnershipChallengesModule,
        LookupModule,
        AdminModule,
        HousekeepingModule,
        PagesModule,
      ],
      providers: [InFlightWork, { provide: APP_INTERCEPTOR, useClass: InFlightInterceptor }],
    };
  }
}
