import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { HubConfig } from '../config/hub-config.js';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * `Authorization: Bearer $ADMIN_TOKEN`. Both sides are hashed to equal-length digests and compared in
 * constant time, so a wrong token of any length takes the same path. With ADMIN_TOKEN unset the admin API
 * does not exist (404).
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(config: HubConfig) {
    this.expected = config.adminToken ? digest(config.adminToken) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw new NotFoundException('admin API is off (ADMIN_TOKEN is not set)');
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers.authorization ?? '';
    const presented = /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
    if (!timingSafeEqual(digest(presented), this.expected)) {
      context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="federation-hub-admin"');
      throw new UnauthorizedException('authorization: a valid admin bearer token is required');
    }
    return true;
  }
}
