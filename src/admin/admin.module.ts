import { Module } from '@nestjs/common';
import { PeersModule } from '../peers/peers.module.js';
import { VerificationModule } from '../verification/verification.module.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';

@Module({
  imports: [PeersModule, VerificationModule],
  controllers: [AdminController],
  providers: [AdminService, AdminTokenGuard],
})
export class AdminModule {}
