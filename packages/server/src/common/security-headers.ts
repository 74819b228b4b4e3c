import { applyDecorators, Header, HttpCode } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers of every API answer. The API answers JSON and never needs a script or a style, so its CSP
 * allows nothing. A plain constant (not a middleware's side effect) so the lookup fast path sends exactly the
 * same set.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'X-Permitted-Cross-Domain-Policies': 'none',
};

/**
 * The confirmation pages set their own CSP (one hashed stylesheet); the OpenAPI viewer at /docs needs its own
 * scripts and styles from this origin, so it gets helmet with a CSP that allows them.
 */
export function securityHeaders(): RequestHandler {
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
  return (request, response, next) => {
    if (request.path.startsWith('/docs')) return docs(request, response, next);
    response.set(API_SECURITY_HEADERS);
    next();
  };
}

/** CORS for public read-only data (lookups, JWKS): any web page may read it, errors included. */
export const ANY_ORIGIN = ['Access-Control-Allow-Origin', '*'] as const;

/**
 * CORS preflight answer (204) of the read-only endpoints open to every origin (lookups, JWKS), for an `@Options()`
 * route. A browser asks first when a lookup carries a header that is not CORS-safelisted (If-None-Match,
 * X-Request-Id). Only GET and HEAD are offered: registrations, removals, confirmations and the admin API carry no
 * CORS header at all, so another origin's page cannot read their answers.
 */
const READ_ONLY_CORS_PREFLIGHT: Readonly<Record<string, string>> = {
  [ANY_ORIGIN[0]]: ANY_ORIGIN[1],
  'Access-Control-Allow-Methods': 'GET, HEAD',
  'Access-Control-Allow-Headers': 'If-None-Match, X-Request-Id',
  'Access-Control-Max-Age': '86400',
};

export function ReadOnlyCorsPreflight() {
  return applyDecorators(
    HttpCode(204),
    ...Object.entries(READ_ONLY_CORS_PREFLIGHT).map(([name, value]) => Header(name, value)),
    ApiExcludeEndpoint(),
  );
}
