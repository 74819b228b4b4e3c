import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { UsageError } from './args.js';

export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** `--hub-jwks`: a URL to fetch the hub's JWKS from, or a file holding it (keys pinned locally). */
export function hubJwksOption(value: string | undefined): JSONWebKeySet | string | undefined {
  if (value === undefined) return undefined;
  if (/^https?:\/\//i.test(value)) return value;
  try {
    const jwks = JSON.parse(readTextFile(value, 'JWKS file')) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys)) throw new Error('no "keys" array');
    return jwks;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--hub-jwks ${value} is not a JWKS: ${(error as Error).message}`);
  }
}
