import { Module } from '@nestjs/common';
import { PeerRecordModule } from '../peer-record/peer-record.module.js';
import { SigningModule } from '../signing/signing.module.js';
import { Checkpoints } from './checkpoints.js';
import { LogKeyController } from './log-key.controller.js';
import { LogController } from './log.controller.js';
import { LogQueries } from './log-queries.js';
import { LogProofs } from './log-proofs.js';
import { TransparencyLog } from './transparency-log.js';

/**
 * The transparency log: appended to by registration/ and admin/ in their transactions, read by lookup/ (the log
 * object of answers) and by anyone through its endpoints.
 */
@Module({
  imports: [SigningModule, PeerRecordModule],
  controllers: [LogController, LogKeyController],
  providers: [TransparencyLog, Checkpoints, LogQueries, LogProofs],
  exports: [TransparencyLog, LogProofs],
})
export class TransparencyLogModule {}
