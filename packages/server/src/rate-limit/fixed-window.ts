/**
 * Counts hits per key in fixed windows (e.g. per client IP per minute), in memory.
 * Bounded: keys of finished windows are dropped as new windows start, so a flood of distinct
 * addresses cannot grow the map past one window's worth of keys.
 */
export class FixedWindowCounter {
  private windowStart = 0;
  private counts = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a hit; `allowed` false once the key is past the limit, with the seconds until the window ends. */
  hit(key: string): { allowed: boolean; retryAfterSeconds: number } {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now - (now % this.windowMs);
      this.counts = new Map();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    const retryAfterSeconds = Math.max(1, Math.ceil((this.windowStart + this.windowMs - now) / 1000));
    return { allowed: count <= this.limit, retryAfterSeconds };
  }
}
