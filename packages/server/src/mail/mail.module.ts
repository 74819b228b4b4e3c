import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { MailComposer } from './mail-composer.js';
import { OutboxService } from './outbox.service.js';
import { OutboxWorker } from './outbox.worker.js';

/**
 * The outbox and its delivery worker. The app names the composer (`MailModule.forRoot({ composer })`),
 * so this module depends on no feature that sends email.
 */
@Module({})
export class MailModule {
  static forRoot(options: { composer: Type<MailComposer>; imports?: DynamicModule['imports'] }): DynamicModule {
    return {
      module: MailModule,
      global: true,
      imports: options.imports ?? [],
      providers: [OutboxService, OutboxWorker, { provide: MailComposer, useClass: options.composer }],
      exports: [OutboxService, OutboxWorker],
    };
  }
}
