import { HubUnavailable } from './errors.js';
import { DEFAULT_HUB_TIMEOUT_MS, hubBase, hubMessage, hubRequest, type HubResponse } from './http.js';

/**
 * The hub's transparency-log endpoints (docs/transparency-log.md), read as an auditor, a monitor or a resolver
 * does. Only the transport is checked here (status, shape); what the answers prove is checked by hub-log.ts.
 */

/** One entry of `GET /api/v1/log/entries`, as the hub serves it. */
export interface LogEntryAnswer {
  index: number;
  time: string;
  domain: string;
  action: string;
  url: string | null;
  public_key: string | null;
  fingerprint: string | null;
  previous_index: number | null;
  reason: string | null;
  /** Base64 of the leaf bytes: the one thing that is verified. */
  leaf: string;
}

export interface LogEntriesPage {
  entries: LogEntryAnswer[];
  tree_size: number;
}

/** The log's size cap on one page of entries (the hub's). */
export const LOG_ENTRIES_PAGE = 1000;

export class LogApi {
  readonly base: string;

  constructor(
    hubUrl: string,
    private readonly timeoutMs = DEFAULT_HUB_TIMEOUT_MS,
  ) {
    this.base = hubBase(hubUrl);
  }

  /** The latest signed checkpoint, the note as is. */
  async checkpoint(): Promise<string> {
    return (await this.get('/api/v1/log/checkpoint', 'text')).text;
  }

  /** The log's verifier key line, from the well-known path (trust on first use only). */
  async verifierKey(): Promise<string> {
    return (await this.get('/.well-known/federation-hub/log-key', 'text')).text.trim();
  }

  async consistencyProof(first: number, second: number): Promise<Buffer[]> {
    const json = (await this.get(`/api/v1/log/proof/consistency?first=${first}&second=${second}`, 'json')).json as { proof?: unknown };
    return this.hashes(json.proof, 'consistency proof');
  }

  async inclusionProof(index: number, treeSize: number): Promise<Buffer[]> {
    const json = (await this.get(`/api/v1/log/proof/inclusion?index=${index}&tree_size=${treeSize}`, 'json')).json as { proof?: unknown };
    return this.hashes(json.proof, 'inclusion proof');
  }

  /** The log index of the entry the hub's lookup answer for `domain` rests on; null when it has no answer or no log object. */
  async lookupLogIndex(domain: string): Promise<number | null> {
    const response = await hubRequest(this.base, `/api/v1/peers?search=${encodeURIComponent(domain)}`, { method: 'GET' }, this.timeoutMs);
    if (response.status === 404) return null;
    if (response.status !== 200) throw new HubUnavailable(this.base, `/api/v1/peers: ${hubMessage(response)}`, response.status);
    const index = (response.json as { peer?: { log?: { index?: unknown } | null } } | undefined)?.peer?.log?.index;
    return Number.isSafeInteger(index) ? (index as number) : null;
  }

  /** One page of entries from `start` (optionally only one domain's). */
  async entries(query: { start: number; end?: number; domain?: string }): Promise<LogEntriesPage> {
    const params = new URLSearchParams({ start: String(query.start) });
    if (query.end !== undefined) params.set('end', String(query.end));
    if (query.domain !== undefined) params.set('domain', query.domain);
    const json = (await this.get(`/api/v1/log/entries?${params}`, 'json')).json as Partial<LogEntriesPage>;
    if (!Array.isArray(json.entries) || !Number.isSafeInteger(json.tree_size)) {
      throw new HubUnavailable(this.base, 'the log entries answer is not {"entries":[…],"tree_size":n}', 200);
    }
    for (const entry of json.entries) {
      if (typeof entry !== 'object' || entry === null || !Number.isSafeInteger(entry.index) || typeof entry.leaf !== 'string') {
        throw new HubUnavailable(this.base, 'a log entry lacks its index or leaf', 200);
      }
    }
    return json as LogEntriesPage;
  }

  private async get(path: string, want: 'text' | 'json'): Promise<HubResponse> {
    const response = await hubRequest(this.base, path, { method: 'GET' }, this.timeoutMs);
    if (response.status !== 200) throw new HubUnavailable(this.base, `${path.split('?')[0]}: ${hubMessage(response)}`, response.status);
    if (want === 'json' && (typeof response.json !== 'object' || response.json === null)) {
      throw new HubUnavailable(this.base, `${path.split('?')[0]} answered 200 with something other than JSON`, 200);
    }
    return response;
  }

  private hashes(value: unknown, what: string): Buffer[] {
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw new HubUnavailable(this.base, `the ${what} is not a list of base64 hashes`, 200);
    }
    return value.map((item: string) => Buffer.from(item, 'base64'));
  }
}
