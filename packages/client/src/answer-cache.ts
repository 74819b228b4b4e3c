/**
 * Settled outcomes (answers and definite refusals) keyed by domain, each until its own expiry, plus the lookups in
 * flight so that concurrent callers for one domain share one set of queries. Bounded: the least recently used
 * entry goes first, so a flood of distinct domains cannot grow memory without limit.
 */
export class AnswerCache<T> {
  private readonly settled = new Map<string, { expiresAt: number; outcome: { value: T } | { error: Error } }>();
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  /**
   * The cached outcome, the lookup already in flight, or a new lookup. `work` reports how long its outcome may be
   * kept (`keepUntil`); errors it throws are kept only when `keepError` gives them an expiry.
   */
  get(key: string, work: () => Promise<{ value: T; keepUntil: number }>, keepError: (error: Error) => number | undefined): Promise<T> {
    const hit = this.settled.get(key);
    if (hit && hit.expiresAt > this.now()) {
      this.settled.delete(key);
      this.settled.set(key, hit); // most recently used last
      return 'value' in hit.outcome ? Promise.resolve(hit.outcome.value) : Promise.reject(hit.outcome.error);
    }
    if (hit) this.settled.delete(key);
    const pending = this.inFlight.get(key);
    if (pending) return pending;

    const lookup = work().then(
      ({ value, keepUntil }) => {
        this.keep(key, keepUntil, { value });
        return value;
      },
      (error: Error) => {
        const until = keepError(error);
        if (until !== undefined) this.keep(key, until, { error });
        throw error;
      },
    );
    const shared = lookup.finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, shared);
    return shared;
  }

  delete(key?: string): void {
    if (key === undefined) this.settled.clear();
    else this.settled.delete(key);
  }

  get size(): number {
    return this.settled.size;
  }

  private keep(key: string, expiresAt: number, outcome: { value: T } | { error: Error }): void {
    if (expiresAt <= this.now() || this.maxEntries <= 0) return;
    this.settled.delete(key);
    this.settled.set(key, { expiresAt, outcome });
    while (this.settled.size > this.maxEntries) this.settled.delete(this.settled.keys().next().value!);
  }
}
