import { Module } from '@nestjs/common';
import { PeerRecordModule } from '../peer-record/peer-record.module.js';
import { TransparencyLogModule } from '../transparency-log/transparency-log.module.js';
import { RegistrationModule } from '../registration/registration.module.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';

@Module({
  imports: [PeerRecordModule, RegistrationModule, TransparencyLogModule],
  controllers: [AdminController],
  providers: [AdminService, AdminTokenGuard],
})
export class AdminModule {}
