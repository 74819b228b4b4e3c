/**
 * Recipient domains whose sends keep timing out, backed off on their own: while a domain is backed off the worker
 * claims none of its messages, so they wait out of everyone else's way instead of taking lane after lane. Each
 * consecutive time-out doubles the pause (from `baseSeconds` up to `maxSeconds`); a send that succeeds ends it.
 * Refusals (a 4xx/5xx answer) are not time-outs: the message's own retry schedule deals with those.
 * In this instance's memory, bounded: at most `maxDomains` are remembered (the oldest forgotten first).
 */
export class DomainBackoff {
  private readonly domains = new Map<string, { timeouts: number; until: number }>();

  constructor(
    private readonly baseSeconds: number,
    private readonly maxSeconds: number,
    private readonly now: () => number = Date.now,
    private readonly maxDomains = 10_000,
  ) {}

  /** Domains whose messages must not be claimed now. */
  backedOff(): string[] {
    const now = this.now();
    return [...this.domains].filter(([, state]) => state.until > now).map(([domain]) => domain);
  }

  /** Records a time-out; answers the seconds the domain is now backed off for. */
  timedOut(domain: string): number {
    const state = this.domains.get(domain) ?? { timeouts: 0, until: 0 };
    this.domains.delete(domain);
    state.timeouts++;
    const seconds = Math.min(this.maxSeconds, this.baseSeconds * 2 ** (state.timeouts - 1));
    state.until = this.now() + seconds * 1000;
    this.domains.set(domain, state);
    if (this.domains.size > this.maxDomains) this.domains.delete(this.domains.keys().next().value!);
    return seconds;
  }

  succeeded(domain: string): void {
    this.domains.delete(domain);
  }
}

/** The domain of an address (what follows the last @), lower case. */
export function recipientDomain(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
