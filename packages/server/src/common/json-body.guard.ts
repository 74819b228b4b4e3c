import { type CanActivate, type ExecutionContext, Injectable, UnsupportedMediaTypeException } from '@nestjs/common';
import type { Request } from 'express';

/**
 * Refuses bodies not declared as JSON with 415 before validation runs (a guard runs before pipes), so a
 * form or text body is told what is wrong with it rather than that every field is missing.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const contentType = context.switchToHttp().getRequest<Request>().headers['content-type'];
    // Exactly application/json (what Rocket.Chat sends, and the only type the body parser reads): a `+json` type
    // would pass here unread and be told that every field is missing.
    if (!contentType || !/^application\/json\s*(?:;|$)/i.test(contentType)) {
      throw new UnsupportedMediaTypeException('body: must be JSON (Content-Type: application/json)');
    }
    return true;
  }
}
