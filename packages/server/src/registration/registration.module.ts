import { Module } from '@nestjs/common';
import { PeerRecordModule } from '../peer-record/peer-record.module.js';
import { TransparencyLogModule } from '../transparency-log/transparency-log.module.js';
import { ConfirmController } from './confirm.controller.js';
import { ConfirmationService } from './confirmation.service.js';
import { RegistrationController } from './registration.controller.js';
import { RegistrationService } from './registration.service.js';
import { VerificationService } from './verification.service.js';

/** Register → prove (email) → confirm: everything that turns a request into a confirmed peer record. */
@Module({
  imports: [PeerRecordModule, TransparencyLogModule],
  controllers: [RegistrationController, ConfirmController],
  providers: [RegistrationService, VerificationService, ConfirmationService],
  exports: [RegistrationService, VerificationService, ConfirmationService],
})
export class RegistrationModule {}
