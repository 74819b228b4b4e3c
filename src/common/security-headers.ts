import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers on every answer. The API answers JSON and never needs a script or a style, so its CSP
 * allows nothing; the confirmation pages set their own (one hashed stylesheet); the OpenAPI viewer at /docs
 * needs its own scripts and styles from this origin.
 */
export function securityHeaders(): RequestHandler {
  const strict = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const docs = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
  });
  return (request, response, next) => (request.path.startsWith('/docs') ? docs : strict)(request, response, next);
}
