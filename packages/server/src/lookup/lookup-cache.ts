/**
 * A bounded, least-recently-used map with per-entry expiry, for lookup answers (and "not found").
 *
 * Invalidation races: a lookup that read the database before a change committed must not store its stale
 * answer after the change's invalidation. Each invalidation bumps a generation; a fill started under an
 * older generation is dropped.
 */
export class LookupCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private generation = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached value, or undefined when absent or expired. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-insert to mark as recently used (Map keeps insertion order).
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** A token to pass to set(): it makes the fill void if an invalidation happens in between. */
  startFill(): number {
    return this.generation;
  }

  set(key: string, value: V, ttlMs: number, fill: number): void {
    if (fill !== this.generation || ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
