import { Module } from '@nestjs/common';
import { LookupModule } from '../lookup/lookup.module.js';
import { PeerRecordModule } from '../peer-record/peer-record.module.js';
import { FederationTester } from './federation-tester.service.js';
import { HomeController } from './home.controller.js';
import { TesterController } from './tester.controller.js';

/** Pages for people: the home page (with its lookup form), the favicon and the federation tester with its JSON twin. */
@Module({
  imports: [LookupModule, PeerRecordModule],
  controllers: [HomeController, TesterController],
  providers: [FederationTester],
})
export class PagesModule {}
