import { EventEmitter } from 'node:events';
import { normalizeDomain, normalizePeerUrl, parsePublicKey, ProtocolError } from './protocol/index.js';
import { FederationError } from './errors.js';
import { registerWithHub, type RegistrationResult } from './hub-api.js';
import { FederationResolver, type FederationResolverOptions } from './resolver.js';

/** The statuses of the seed's federation screen, word for word. */
export const NODE_STATUS = {
  notFullySet: 'Could not enable, settings are not fully set',
  booting: 'Booting…',
  registering: 'Registering with Hub…',
  registrationFailed: 'Disabled, could not register with Hub',
  disabled: 'Disabled',
  running: 'Running',
} as const;

export type NodeStatus = (typeof NODE_STATUS)[keyof typeof NODE_STATUS];

/** The settings of the federation screen. */
export interface FederationSettings {
  enabled: boolean;
  /** The domain peers know this server by. */
  domain?: string;
  /** This server's public key (PEM). */
  publicKey?: string;
  discoveryMethod: 'dns' | 'hub';
  /** Required with discoveryMethod 'hub'. */
  hubUrl?: string;
  /** This server's base URL (the site URL); required with discoveryMethod 'hub', where it is registered. */
  url?: string;
  /** Mailbox for the hub's confirmation link, when not the hub's default. */
  contact?: string;
}

export interface StatusChange {
  status: NodeStatus;
  /** Why, for the statuses that need a reason: which setting is missing, what the hub said. */
  detail?: string;
}

/**
 * The federation switch of a chat server: start() checks the settings and, with the hub method, registers, moving
 * through exactly the seed's statuses and emitting `status` ({status, detail}) at each change.
 */
export class FederationNode extends EventEmitter<{ status: [StatusChange] }> {
  private current: StatusChange | undefined;
  private run = 0;
  /** The hub's answer to the last registration (pending: which mailbox got the link). */
  registration: RegistrationResult | undefined;
  private peers: FederationResolver | undefined;

  constructor(
    private settings: FederationSettings,
    private readonly options: {
      timeoutMs?: number;
      /**
       * How `resolver` finds peers (its hub is the settings' hubUrl). With `logKey` (and `logStateFile`), every hub
       * answer is checked against the hub's transparency log: see FederationResolverOptions.
       */
      resolver?: Omit<FederationResolverOptions, 'hubUrl'>;
    } = {},
  ) {
    super();
  }

  /** The resolver to find peers with: DNS first, then the settings' hub; made on first use, again after update(). */
  get resolver(): FederationResolver {
    this.peers ??= new FederationResolver({ timeoutMs: this.options.timeoutMs, ...this.options.resolver, hubUrl: this.settings.hubUrl || undefined });
    return this.peers;
  }

  get status(): NodeStatus | undefined {
    return this.current?.status;
  }

  get detail(): string | undefined {
    return this.current?.detail;
  }

  /** Applies the settings; resolves with the status reached (Running or one of the refusals). */
  async start(): Promise<NodeStatus> {
    const run = ++this.run;
    this.registration = undefined;
    const settings = this.settings;
    if (!settings.enabled) return this.set(run, NODE_STATUS.disabled);
    const missing = missingSettings(settings);
    if (missing) return this.set(run, NODE_STATUS.notFullySet, missing);

    this.set(run, NODE_STATUS.booting);
    if (settings.discoveryMethod === 'dns') return this.set(run, NODE_STATUS.running, 'discoverable through DNS');

    this.set(run, NODE_STATUS.registering);
    try {
      const result = await registerWithHub({
        hubUrl: settings.hubUrl!,
        domain: settings.domain!,
        url: settings.url!,
        publicKey: settings.publicKey!,
        contact: settings.contact,
        timeoutMs: this.options.timeoutMs,
      });
      if (run !== this.run) return this.status!;
      this.registration = result;
      const detail =
        result.status === 'pending'
          ? `registration pending: confirm the link sent to ${result.contact} before ${result.expires_at}`
          : 'registered and confirmed';
      return this.set(run, NODE_STATUS.running, detail);
    } catch (error) {
      if (!(error instanceof FederationError) && !(error instanceof ProtocolError)) throw error;
      return this.set(run, NODE_STATUS.registrationFailed, error.message);
    }
  }

  /** New settings from the screen: applied at once. */
  async update(settings: FederationSettings): Promise<NodeStatus> {
    this.settings = settings;
    this.peers = undefined;
    return this.start();
  }

  stop(): NodeStatus {
    return this.set(++this.run, NODE_STATUS.disabled);
  }

  private set(run: number, status: NodeStatus, detail?: string): NodeStatus {
    // A start() overtaken by a newer start()/stop() must not overwrite what the newer one decided.
    if (run !== this.run) return this.status!;
    if (this.current?.status !== status || this.current.detail !== detail) {
      this.current = { status, ...(detail === undefined ? {} : { detail }) };
      this.emit('status', this.current);
    }
    return status;
  }
}

/** Which settings keep federation from starting, in words; undefined when all are there and well-formed. */
function missingSettings(settings: FederationSettings): string | undefined {
  const problems: string[] = [];
  const needed: Array<[keyof FederationSettings, string]> = [
    ['domain', 'domain'],
    ['publicKey', 'public key'],
  ];
  if (settings.discoveryMethod === 'hub') needed.push(['hubUrl', 'hub URL'], ['url', 'site URL']);
  for (const [key, label] of needed) if (!settings[key]) problems.push(`${label} is not set`);
  if (settings.discoveryMethod !== 'dns' && settings.discoveryMethod !== 'hub') problems.push('discovery method must be "dns" or "hub"');
  if (problems.length > 0) return problems.join('; ');
  try {
    normalizeDomain(settings.domain, { requirePublicSuffix: false });
    parsePublicKey(settings.publicKey, { minRsaBits: 0 });
    if (settings.discoveryMethod === 'hub') {
      normalizePeerUrl(settings.hubUrl, 'hubUrl');
      normalizePeerUrl(settings.url);
    }
  } catch (error) {
    if (error instanceof ProtocolError) return error.message;
    throw error;
  }
  return undefined;
}
