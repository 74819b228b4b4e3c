import { Module } from '@nestjs/common';
import { SigningModule } from '../signing/signing.module.js';
import { VerificationModule } from '../verification/verification.module.js';
import { LookupService } from './lookup.service.js';
import { PeersController } from './peers.controller.js';
import { RegistrationService } from './registration.service.js';

@Module({
  imports: [SigningModule, VerificationModule],
  controllers: [PeersController],
  providers: [RegistrationService, LookupService],
  exports: [RegistrationService],
})
export class PeersModule {}
