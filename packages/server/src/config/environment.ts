import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import { parseSender } from '../mail/mime.js';
import { parseServerAddress } from '@federation-hub/client';

/**
 * Connections per pool when DATABASE_POOL_SIZE is not set. 20 rather than the usual 10: with 50 concurrent clients,
 * 20 answered 13–32% more cache-miss lookups per second on the development VM, and the bench's cold lookups at
 * 1,000,000 peers ran at 1.01× and 0.92× of those at 1,000, against 0.87–0.94× with 10 (docs/performance.md).
 */
export const DEFAULT_POOL_SIZE = 20;

/** One decorator, one message: `PORT must be an integer between 1 and 65535`. */
function IntegerBetween(min: number, max: number): PropertyDecorator {
  const message = `$property must be an integer between ${min} and ${max}`;
  return (target, key) => {
    IsInt({ message })(target, key);
    Min(min, { message })(target, key);
    Max(max, { message })(target, key);
  };
}

function IsUrlWithScheme(schemes: string[], options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUrlWithScheme',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          try {
            return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
          } catch {
            return false;
          }
        },
        defaultMessage: () => `$property must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`,
      },
    },
    options,
  );
}

function IsMailbox(): PropertyDecorator {
  return ValidateBy({
    name: 'isMailbox',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseSender(value) !== undefined,
      defaultMessage: () => '$property must be an email address, optionally with a name: "Name <address@example.com>"',
    },
  });
}

function IsUrlList(schemes: string[]): PropertyDecorator {
  return ValidateBy({
    name: 'isUrlList',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        splitList(value).every((item) => {
          try {
            return schemes.includes(new URL(item).protocol.replace(/:$/, ''));
          } catch {
            return false;
          }
        }),
      defaultMessage: () => `$property must be a comma-separated list of ${schemes.join('/')} URLs`,
    },
  });
}

function isDnsServerAddress(text: string): boolean {
  try {
    parseServerAddress(text);
    return true;
  } catch {
    return false;
  }
}

export const CONTACT_LOCAL_PART_CHOICES = ['admin', 'administrator', 'webmaster', 'hostmaster', 'postmaster'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * The environment as the operator writes it. Every variable is listed in .env.example with its default;
 * defaults live here and nowhere else.
 */
export class Environment {
  @Transform(toNumber) @IntegerBetween(0, 65535) PORT = 8080;
  @IsString() @MinLength(1) HOST = '0.0.0.0';
  @IsOptional() @IsUrlWithScheme(['http', 'https']) PUBLIC_URL?: string;

  @IsOptional() @IsUrlWithScheme(['postgres', 'postgresql']) DATABASE_URL?: string;
  @IsOptional() @IsUrlList(['postgres', 'postgresql']) DATABASE_REPLICA_URLS?: string;
  @Transform(toNumber) @IntegerBetween(1, 200) DATABASE_POOL_SIZE = DEFAULT_POOL_SIZE;
  @IsString() @MinLength(1) DATA_DIR = './.data';
  @Transform(toNumber) @IntegerBetween(1024, 65535) EMBEDDED_POSTGRES_PORT = 5439;

  @IsOptional() @IsUrlWithScheme(['smtp', 'smtps']) SMTP_URL?: string;
  @IsMailbox() MAIL_FROM = 'Federation Hub <hub@localhost>';
  @Transform(toNumber) @IntegerBetween(1, 720) TOKEN_TTL_HOURS = 24;
  @Transform(toNumber) @IntegerBetween(512, 8192) MIN_RSA_KEY_BITS = 2048;
  @ValidateBy({
    name: 'isContactLocalParts',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        splitList(value).length > 0 &&
        splitList(value).every((part) => (CONTACT_LOCAL_PART_CHOICES as readonly string[]).includes(part)),
      defaultMessage: () => `$property must be a comma-separated subset of ${CONTACT_LOCAL_PART_CHOICES.join(', ')}`,
    },
  })
  CONTACT_LOCAL_PARTS = 'webmaster';
  @Transform(toBoolean) @IsIn([true, false], { message: '$property must be true or false' }) REQUIRE_PUBLIC_SUFFIX = true;
  @Transform(toBoolean) @IsIn([true, false], { message: '$property must be true or false' }) ALLOW_MIXED_SCRIPT_NAMES = false;

  @IsOptional() @IsString() @MinLength(16, { message: '$property must be at least 16 characters long' })
  ADMIN_TOKEN?: string;
  @IsOptional()
  @Matches(/-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----/, {
    message: '$property must be a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)',
  })
  HUB_SIGNING_KEY?: string;
  @Transform(toNumber) @IntegerBetween(60, 604800) PROOF_TTL_SECONDS = 3600;
  @Transform(toNumber) @IntegerBetween(0, 86400) LOOKUP_CACHE_SECONDS = 300;
  @Transform(toNumber) @IntegerBetween(0, 10000000) LOOKUP_CACHE_ENTRIES = 20000;
  // The transparency log: its origin (the checkpoints' first line and the note key's name) and checkpoint cadence.
  @IsOptional() @Matches(/^[^\s+]+$/, { message: '$property must be one word without spaces or "+" (e.g. hub.example.com/fed)' })
  LOG_ORIGIN?: string;
  @Transform(toNumber) @IntegerBetween(1, 3600) LOG_CHECKPOINT_SECONDS = 5;
  @Transform(toNumber) @IntegerBetween(0, 10000) LOG_PROOF_WAIT_MS = 1000;

  @Transform(toNumber) @IntegerBetween(0, 86400) RATE_DOMAIN_COOLDOWN_SECONDS = 60;
  @Transform(toNumber) @IntegerBetween(1, 1000) RATE_DOMAIN_DAILY_CAP = 5;
  @Transform(toNumber) @IntegerBetween(1, 1000000) RATE_IP_REGISTRATIONS_PER_MINUTE = 30;
  @Transform(toNumber) @IntegerBetween(1, 10000000) RATE_IP_REQUESTS_PER_MINUTE = 6000;
  @Transform(toNumber) @IntegerBetween(1024, 1048576) BODY_LIMIT_BYTES = 16384;
  @IsOptional() @IsString() TRUST_PROXY?: string;
  @Transform(toNumber) @IntegerBetween(16, 128) RATE_IPV6_PREFIX = 64;
  @Transform(toNumber) @IntegerBetween(1000, 600000) HTTP_HEADERS_TIMEOUT_MS = 10000;
  @Transform(toNumber) @IntegerBetween(1000, 3600000) HTTP_REQUEST_TIMEOUT_MS = 30000;
  @Transform(toNumber) @IntegerBetween(100, 600000) HTTP_KEEP_ALIVE_TIMEOUT_MS = 5000;
  @Transform(toNumber) @IntegerBetween(1, 1000000) MAX_CONNECTIONS_PER_IP = 256;

  @Transform(toNumber) @IntegerBetween(10, 60000) OUTBOX_POLL_MS = 1000;
  @Transform(toNumber) @IntegerBetween(1, 50) OUTBOX_MAX_ATTEMPTS = 8;
  @Transform(toNumber) @IntegerBetween(1, 32) OUTBOX_CONCURRENCY = 8;
  @Transform(toNumber) @IntegerBetween(1, 3600) OUTBOX_RETRY_BASE_SECONDS = 15;
  @Transform(toNumber) @IntegerBetween(1, 86400) OUTBOX_RETRY_MAX_SECONDS = 3600;
  @Transform(toNumber) @IntegerBetween(1, 3650) RETENTION_DAYS = 30;
  @Transform(toNumber) @IntegerBetween(10, 3600) OUTBOX_LEASE_SECONDS = 30;
  @Transform(toNumber) @IntegerBetween(100, 600000) SMTP_CONNECT_TIMEOUT_MS = 10000;
  @Transform(toNumber) @IntegerBetween(100, 600000) SMTP_GREETING_TIMEOUT_MS = 10000;
  @Transform(toNumber) @IntegerBetween(100, 600000) SMTP_COMMAND_TIMEOUT_MS = 10000;
  @Transform(toNumber) @IntegerBetween(100, 3600000) SMTP_SEND_TIMEOUT_MS = 30000;

  @IsIn(LOG_LEVELS, { message: `$property must be one of ${LOG_LEVELS.join(', ')}` }) LOG_LEVEL = 'info';

  // Pages for people (src/pages): who runs this hub, and the federation tester's limits and cache.
  @IsString() @MinLength(1) @Matches(/^[^\r\n<>]{1,80}$/, { message: '$property must be 1 to 80 characters, without <, > or line breaks' })
  HUB_NAME = 'Federation Hub';
  @IsOptional() @IsContact() HUB_OPERATOR_CONTACT?: string;
  @Transform(toNumber) @IntegerBetween(1, 10000) RATE_TESTER_CHECKS_PER_IP_PER_MINUTE = 10;
  @Transform(toNumber) @IntegerBetween(1, 100000) RATE_TESTER_CHECKS_PER_MINUTE = 120;
  @Transform(toNumber) @IntegerBetween(0, 3600) CHECK_CACHE_SECONDS = 30;

  // Ownership proofs by DNS and HTTP (docs/ownership-proofs.md).
  @IsOptional()
  @ValidateBy({
    name: 'isDnsServerList',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && splitList(value).every(isDnsServerAddress),
      defaultMessage: () => '$property must be a comma-separated list of IP addresses, each optionally with :port (IPv6 as [addr]:port)',
    },
  })
  DNS_SERVERS?: string;
  @Transform(toBoolean) @IsIn([true, false], { message: '$property must be true or false' }) ALLOW_PRIVATE_NETWORK_CHECKS = false;
  /** For tests only: HTTP checks go to this port instead of 80/443. Refused unless ALLOW_PRIVATE_NETWORK_CHECKS=true. */
  @IsOptional() @Transform(toNumber) @IntegerBetween(1, 65535) HTTP_CHECK_PORT?: number;
  @Transform(toNumber) @IntegerBetween(1, 720) CHALLENGE_TTL_HOURS = 24;
  @Transform(toNumber) @IntegerBetween(1, 86400) CHALLENGE_RECHECK_BASE_SECONDS = 60;
  @Transform(toNumber) @IntegerBetween(1, 86400) CHALLENGE_RECHECK_MAX_SECONDS = 3600;
  @Transform(toNumber) @IntegerBetween(10, 600000) CHALLENGE_POLL_MS = 5000;
  @Transform(toNumber) @IntegerBetween(1, 1000000) RATE_OWNERSHIP_CHECKS_PER_MINUTE = 120;
  @Transform(toNumber) @IntegerBetween(1, 100000) RATE_IP_OWNERSHIP_CHECKS_PER_MINUTE = 10;
}

/** An email address ("Name <address>" allowed) or an http(s) URL: how to reach the people who run the hub. */
function IsContact(): PropertyDecorator {
  return ValidateBy({
    name: 'isContact',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        if (/^https?:\/\//.test(value)) {
          try {
            return ['http:', 'https:'].includes(new URL(value).protocol);
          } catch {
            return false;
          }
        }
        return parseSender(value) !== undefined;
      },
      defaultMessage: () => '$property must be an email address or an http(s):// URL',
    },
  });
}
