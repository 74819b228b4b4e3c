import { Module } from '@nestjs/common';
import { PeerRecordModule } from '../peer-record/peer-record.module.js';
import { TransparencyLogModule } from '../transparency-log/transparency-log.module.js';
import { SigningModule } from '../signing/signing.module.js';
import { LookupController } from './lookup.controller.js';
import { LookupService } from './lookup.service.js';

@Module({
  imports: [SigningModule, PeerRecordModule, TransparencyLogModule],
  controllers: [LookupController],
  providers: [LookupService],
  exports: [LookupService],
})
export class LookupModule {}
