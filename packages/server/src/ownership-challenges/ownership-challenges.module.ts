import { Module } from '@nestjs/common';
import { PeerRecordModule } from '../peer-record/peer-record.module.js';
import { RegistrationModule } from '../registration/registration.module.js';
import { ChallengeChecks } from './challenge-checks.service.js';
import { ChallengeRecheckWorker } from './challenge-recheck.worker.js';
import { VerifyController } from './verify.controller.js';

/**
 * Proof of ownership by DNS (a TXT record) or HTTP (a well-known file), besides email: the checks, the /verify
 * endpoint and the background re-check. Challenges are issued by registration (in the statement that writes their
 * request) and applied through its ConfirmationService, as an emailed confirmation is.
 */
@Module({
  imports: [PeerRecordModule, RegistrationModule],
  controllers: [VerifyController],
  providers: [ChallengeChecks, ChallengeRecheckWorker],
})
export class OwnershipChallengesModule {}
