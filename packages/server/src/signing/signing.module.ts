import { Module } from '@nestjs/common';
import { JwksController } from './jwks.controller.js';
import { SigningService } from './signing.service.js';

@Module({ controllers: [JwksController], providers: [SigningService], exports: [SigningService] })
export class SigningModule {}
