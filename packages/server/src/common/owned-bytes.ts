/**
 * The UTF-8 bytes of `text` in a buffer of their own, for bytes that a cache keeps for minutes (lookup answers,
 * prebuilt refusals and 404s).
 *
 * `Buffer.from(string)` hands out small buffers as slices of a shared pool, and a slice keeps its whole pool alive:
 * with `Buffer.poolSize` at 64 KiB (Node 24; 8 KiB on Node 20) a cached ~2 KB answer can pin 64 KiB, shared with
 * garbage and with answers already evicted. With a full lookup cache of 20,000 answers after random lookups at
 * 1,000,000 peers, the live array buffers were 57 MiB of 64 KiB pools on Node 24 (46 MiB of 8 KiB pools on Node 20)
 * for ~40 MB of answers (docs/performance.md, run AI).
 */
export function ownedBytes(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}
