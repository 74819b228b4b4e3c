import { Module } from '@nestjs/common';
import { PeerEvents } from '../peers/peer-events.js';
import { ConfirmController } from './confirm.controller.js';
import { ConfirmationService } from './confirmation.service.js';
import { VerificationService } from './verification.service.js';

@Module({
  controllers: [ConfirmController],
  providers: [VerificationService, ConfirmationService, PeerEvents],
  exports: [VerificationService, PeerEvents],
})
export class VerificationModule {}
