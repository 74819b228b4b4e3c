import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseSender } from '../mail/mime.js';
import { Environment, splitList } from './environment.js';

/** Start-up refused: one line per problem, each naming the variable and the rule. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * The typed configuration every part of the hub receives (it is also the Nest injection token).
 * Built only by loadConfig(), so a HubConfig instance is always a validated one.
 */
export class HubConfig {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly databaseUrl?: string;
  readonly databaseReplicaUrls: string[];
  readonly databasePoolSize: number;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  readonly smtpUrl?: string;
  readonly mailFrom: string;
  readonly tokenTtlHours: number;
  readonly minRsaKeyBits: number;
  readonly contactLocalParts: string[];
  readonly requirePublicSuffix: boolean;
  readonly allowMixedScriptNames: boolean;
  readonly adminToken?: string;
  readonly hubSigningKey?: string;
  readonly proofTtlSeconds: number;
  readonly lookupCacheSeconds: number;
  readonly lookupCacheEntries: number;
  /** The log's origin: LOG_ORIGIN, or PUBLIC_URL's host and path. */
  readonly logOrigin: string;
  readonly logCheckpointSeconds: number;
  readonly logProofWaitMs: number;
  readonly rateDomainCooldownSeconds: number;
  readonly rateDomainDailyCap: number;
  readonly rateIpRegistrationsPerMinute: number;
  readonly rateIpRequestsPerMinute: number;
  readonly bodyLimitBytes: number;
  readonly trustProxy?: string;
  readonly rateIpv6Prefix: number;
  readonly httpHeadersTimeoutMs: number;
  readonly httpRequestTimeoutMs: number;
  readonly httpKeepAliveTimeoutMs: number;
  readonly maxConnectionsPerIp: number;
  readonly outboxPollMs: number;
  readonly outboxMaxAttempts: number;
  readonly outboxConcurrency: number;
  readonly outboxRetryBaseSeconds: number;
  readonly outboxRetryMaxSeconds: number;
  readonly retentionDays: number;
  readonly outboxLeaseSeconds: number;
  readonly smtpConnectTimeoutMs: number;
  readonly smtpGreetingTimeoutMs: number;
  readonly smtpCommandTimeoutMs: number;
  readonly smtpSendTimeoutMs: number;
  readonly logLevel: string;
  readonly hubName: string;
  /** An email address or URL; MAIL_FROM's address when HUB_OPERATOR_CONTACT is unset. */
  readonly hubOperatorContact: string;
  readonly rateTesterChecksPerIpPerMinute: number;
  readonly rateTesterChecksPerMinute: number;
  readonly checkCacheSeconds: number;
  /** Resolvers for ownership checks and the federation tester; empty: the system's. */
  readonly dnsServers: string[];
  readonly allowPrivateNetworkChecks: boolean;
  /** Test-only port for HTTP checks (see HTTP_CHECK_PORT). */
  readonly httpCheckPort?: number;
  readonly challengeTtlHours: number;
  readonly challengeRecheckBaseSeconds: number;
  readonly challengeRecheckMaxSeconds: number;
  readonly challengePollMs: number;
  readonly rateOwnershipChecksPerMinute: number;
  readonly rateIpOwnershipChecksPerMinute: number;

  private constructor(values: HubConfig) {
    Object.assign(this, values);
  }

  /** For tests and embedding: a config built from a plain environment map, validated like the real one. */
  static fromEnvironment(env: Record<string, string | undefined>): HubConfig {
    return loadConfig(env);
  }

  /** A copy with some values replaced (e.g. the URL of the embedded database once it is running). */
  with(overrides: Partial<HubConfig>): HubConfig {
    return new HubConfig({ ...this, ...overrides } as HubConfig);
  }

  /** @internal */
  static create(values: HubConfig): HubConfig {
    return new HubConfig(values);
  }
}

/** Reads `.env` (if present) into process.env without overriding what is already set. */
export function loadDotEnv(path = resolve('.env')): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

export function loadConfig(env: Record<string, string | undefined> = process.env): HubConfig {
  // An empty variable means "use the default", as in most twelve-factor services.
  const input = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = plainToInstance(Environment, input, { exposeDefaultValues: true });
  const problems = validateSync(parsed, { forbidUnknownValues: false }).map((error) => {
    const messages = Object.values(error.constraints ?? {});
    return messages[0] ?? `${error.property} is invalid`;
  });
  if (parsed.HTTP_CHECK_PORT !== undefined && !parsed.ALLOW_PRIVATE_NETWORK_CHECKS) {
    problems.push('HTTP_CHECK_PORT is for tests only and requires ALLOW_PRIVATE_NETWORK_CHECKS=true');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const port = parsed.PORT;
  return HubConfig.create({
    port,
    host: parsed.HOST,
    publicUrl: (parsed.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    databaseUrl: parsed.DATABASE_URL,
    databaseReplicaUrls: parsed.DATABASE_REPLICA_URLS ? splitList(parsed.DATABASE_REPLICA_URLS) : [],
    databasePoolSize: parsed.DATABASE_POOL_SIZE,
    dataDir: resolve(parsed.DATA_DIR),
    embeddedPostgresPort: parsed.EMBEDDED_POSTGRES_PORT,
    smtpUrl: parsed.SMTP_URL,
    mailFrom: parsed.MAIL_FROM,
    tokenTtlHours: parsed.TOKEN_TTL_HOURS,
    minRsaKeyBits: parsed.MIN_RSA_KEY_BITS,
    contactLocalParts: splitList(parsed.CONTACT_LOCAL_PARTS),
    requirePublicSuffix: parsed.REQUIRE_PUBLIC_SUFFIX,
    allowMixedScriptNames: parsed.ALLOW_MIXED_SCRIPT_NAMES,
    adminToken: parsed.ADMIN_TOKEN,
    hubSigningKey: parsed.HUB_SIGNING_KEY?.replace(/\\n/g, '\n'),
    proofTtlSeconds: parsed.PROOF_TTL_SECONDS,
    lookupCacheSeconds: parsed.LOOKUP_CACHE_SECONDS,
    lookupCacheEntries: parsed.LOOKUP_CACHE_ENTRIES,
    logOrigin: parsed.LOG_ORIGIN ?? originOf((parsed.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '')),
    logCheckpointSeconds: parsed.LOG_CHECKPOINT_SECONDS,
    logProofWaitMs: parsed.LOG_PROOF_WAIT_MS,
    rateDomainCooldownSeconds: parsed.RATE_DOMAIN_COOLDOWN_SECONDS,
    rateDomainDailyCap: parsed.RATE_DOMAIN_DAILY_CAP,
    rateIpRegistrationsPerMinute: parsed.RATE_IP_REGISTRATIONS_PER_MINUTE,
    rateIpRequestsPerMinute: parsed.RATE_IP_REQUESTS_PER_MINUTE,
    bodyLimitBytes: parsed.BODY_LIMIT_BYTES,
    trustProxy: parsed.TRUST_PROXY,
    rateIpv6Prefix: parsed.RATE_IPV6_PREFIX,
    httpHeadersTimeoutMs: parsed.HTTP_HEADERS_TIMEOUT_MS,
    httpRequestTimeoutMs: parsed.HTTP_REQUEST_TIMEOUT_MS,
    httpKeepAliveTimeoutMs: parsed.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnectionsPerIp: parsed.MAX_CONNECTIONS_PER_IP,
    outboxPollMs: parsed.OUTBOX_POLL_MS,
    outboxMaxAttempts: parsed.OUTBOX_MAX_ATTEMPTS,
    outboxConcurrency: parsed.OUTBOX_CONCURRENCY,
    outboxRetryBaseSeconds: parsed.OUTBOX_RETRY_BASE_SECONDS,
    outboxRetryMaxSeconds: parsed.OUTBOX_RETRY_MAX_SECONDS,
    retentionDays: parsed.RETENTION_DAYS,
    outboxLeaseSeconds: parsed.OUTBOX_LEASE_SECONDS,
    smtpConnectTimeoutMs: parsed.SMTP_CONNECT_TIMEOUT_MS,
    smtpGreetingTimeoutMs: parsed.SMTP_GREETING_TIMEOUT_MS,
    smtpCommandTimeoutMs: parsed.SMTP_COMMAND_TIMEOUT_MS,
    smtpSendTimeoutMs: parsed.SMTP_SEND_TIMEOUT_MS,
    logLevel: parsed.LOG_LEVEL,
    hubName: parsed.HUB_NAME,
    hubOperatorContact: parsed.HUB_OPERATOR_CONTACT ?? parseSender(parsed.MAIL_FROM)!.address,
    rateTesterChecksPerIpPerMinute: parsed.RATE_TESTER_CHECKS_PER_IP_PER_MINUTE,
    rateTesterChecksPerMinute: parsed.RATE_TESTER_CHECKS_PER_MINUTE,
    checkCacheSeconds: parsed.CHECK_CACHE_SECONDS,
    dnsServers: parsed.DNS_SERVERS ? splitList(parsed.DNS_SERVERS) : [],
    allowPrivateNetworkChecks: parsed.ALLOW_PRIVATE_NETWORK_CHECKS,
    httpCheckPort: parsed.HTTP_CHECK_PORT,
    challengeTtlHours: parsed.CHALLENGE_TTL_HOURS,
    challengeRecheckBaseSeconds: parsed.CHALLENGE_RECHECK_BASE_SECONDS,
    challengeRecheckMaxSeconds: parsed.CHALLENGE_RECHECK_MAX_SECONDS,
    challengePollMs: parsed.CHALLENGE_POLL_MS,
    rateOwnershipChecksPerMinute: parsed.RATE_OWNERSHIP_CHECKS_PER_MINUTE,
    rateIpOwnershipChecksPerMinute: parsed.RATE_IP_OWNERSHIP_CHECKS_PER_MINUTE,
  } as HubConfig);
}

/** `https://hub.example.com/fed/` → `hub.example.com/fed`: the C2SP origin convention, a schema-less URL. */
function originOf(publicUrl: string): string {
  const url = new URL(publicUrl);
  return `${url.host}${url.pathname}`.replace(/\/+$/, '');
}
