import { EventEmitter } from 'node:events';
import { normalizeDomain, normalizePeerUrl, ProtocolError } from './protocol/index.js';
import { FederationError, SealError } from './errors.js';
import { registerWithHub, type RegistrationResult } from './hub-api.js';
import { parseOwnPublicKey, type PrivateKeyInput, type PublicKeyInput } from './key-input.js';
import { LEGACY_ROCKETCHAT_CODEC, type LegacyBody, openLegacy, sealLegacy } from './legacy-rocketchat.js';
import { open, seal } from './seal.js';
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
  /** This server's public key (any form parsePublicKey reads, e.g. Rocket.Chat's PEM without line breaks, or a KeyObject). */
  publicKey?: PublicKeyInput;
  discoveryMethod: 'dns' | 'hub';
  /** Required with discoveryMethod 'hub'. */
  hubUrl?: string;
  /** This server's base URL (the site URL); required with discoveryMethod 'hub', where it is registered. */
  url?: string;
  /** Mailbox for the hub's confirmation link, when not the hub's default. */
  contact?: string;
}

/**
 * How payloads to and from one peer are sealed: `jose` (seal/open, the default) or `legacy-rocketchat` (the format of
 * Rocket.Chat's own federation code: see legacy-rocketchat.ts for what it does not protect). Chosen per peer by the
 * operator; a payload in the other codec is refused (SealError `wrong-codec`), never opened with it.
 */
export type PeerCodec = 'jose' | typeof LEGACY_ROCKETCHAT_CODEC;

export type SealedForPeer = { codec: 'jose'; body: string } | { codec: typeof LEGACY_ROCKETCHAT_CODEC; body: LegacyBody };

export interface FederationNodeOptions {
  timeoutMs?: number;
  /** This server's private key, for sealFor/openFrom (any form importPrivateKey reads). Never sent anywhere. */
  privateKey?: PrivateKeyInput;
  /** Peers (by domain) that speak another codec than `jose`. */
  peerCodecs?: Record<string, PeerCodec>;
  /**
   * How `resolver` finds peers (its hub is the settings' hubUrl). With `logKey` (and `logStateFile`), every hub
   * answer is checked against the hub's transparency log: see FederationResolverOptions.
   */
  resolver?: Omit<FederationResolverOptions, 'hubUrl'>;
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
  private readonly codecs = new Map<string, PeerCodec>();
  private peers: FederationResolver | undefined;

  constructor(
    private settings: FederationSettings,
    private readonly options: FederationNodeOptions = {},
  ) {
    super();
    for (const [domain, codec] of Object.entries(options.peerCodecs ?? {})) this.setPeerCodec(domain, codec);
  }

  /** Says which codec a peer speaks. `jose` unless told otherwise; nothing ever changes it but this call. */
  setPeerCodec(domain: string, codec: PeerCodec): void {
    if (codec !== 'jose' && codec !== LEGACY_ROCKETCHAT_CODEC) throw new TypeError(`codec must be "jose" or "${LEGACY_ROCKETCHAT_CODEC}"`);
    this.codecs.set(peerDomain(domain), codec);
  }

  codecFor(domain: string): PeerCodec {
    return this.codecs.get(peerDomain(domain)) ?? 'jose';
  }

  /** Seals a payload for a peer with the codec chosen for it; `body` is what to POST (JSON for the legacy codec). */
  async sealFor(domain: string, payload: unknown, peerPublicKey: PublicKeyInput): Promise<SealedForPeer> {
    if (this.codecFor(domain) === LEGACY_ROCKETCHAT_CODEC) {
      return { codec: LEGACY_ROCKETCHAT_CODEC, body: sealLegacy(payload, this.ourPrivateKey(), peerPublicKey) };
    }
    return { codec: 'jose', body: await seal(payload, this.ourPrivateKey(), peerPublicKey) };
  }

  /**
   * Opens a payload from a peer with the codec chosen for it. A body in the other codec's shape is refused with
   * SealError `wrong-codec`: a peer set to `jose` cannot talk this server down to the legacy format.
   */
  async openFrom<T = unknown>(domain: string, body: unknown, peerPublicKey: PublicKeyInput): Promise<T> {
    const codec = this.codecFor(domain);
    const legacyShaped = typeof body === 'object' && body !== null && (body as { type?: unknown }).type === 'Buffer';
    if (codec === 'jose') {
      if (legacyShaped) {
        throw new SealError(
          'wrong-codec',
          `${peerDomain(domain)} is set to the jose codec but sent a ${LEGACY_ROCKETCHAT_CODEC} body; refused (no silent downgrade). ` +
            `If that peer runs Rocket.Chat's own federation, setPeerCodec('${peerDomain(domain)}', '${LEGACY_ROCKETCHAT_CODEC}').`,
        );
      }
      if (typeof body !== 'string') throw new SealError('bad-payload', 'a jose payload is a compact JWE string');
      return open<T>(body, this.ourPrivateKey(), peerPublicKey);
    }
    if (!legacyShaped && !(body instanceof Uint8Array)) {
      throw new SealError('wrong-codec', `${peerDomain(domain)} is set to the ${LEGACY_ROCKETCHAT_CODEC} codec; its body must be {"type":"Buffer","data":[…]}`);
    }
    return openLegacy<T>(body, this.ourPrivateKey(), peerPublicKey);
  }

  private ourPrivateKey(): PrivateKeyInput {
    if (this.options.privateKey === undefined) throw new TypeError('FederationNode: options.privateKey is needed to seal and open payloads');
    return this.options.privateKey;
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

function peerDomain(domain: string): string {
  return normalizeDomain(domain, { field: 'peer domain', requirePublicSuffix: false });
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
    parseOwnPublicKey(settings.publicKey!);
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
