import { type DynamicModule, Global, Module } from '@nestjs/common';
import { HubConfig } from './hub-config.js';

/** Makes the one validated HubConfig injectable everywhere (`constructor(private readonly config: HubConfig)`). */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: HubConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: HubConfig, useValue: config }], exports: [HubConfig] };
  }
}
