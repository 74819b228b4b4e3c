/**
 * The per-IP limits count in whole wall-clock minutes (packages/server/src/rate-limit/fixed-window.ts). A test that sends N
 * requests and expects the next to be refused waits out the last seconds of a minute first, so that its requests
 * do not straddle a boundary (and land in two windows, each under the limit). 10 s: on a machine busy with a benchmark, one such test
 * took 6 s, longer than the 3 s margin this had before (and failed once).
 */
export async function clearOfMinuteBoundary(marginMs = 10_000): Promise<void> {
  const untilNextMinute = 60_000 - (Date.now() % 60_000);
  if (untilNextMinute < marginMs) await new Promise((resolve) => setTimeout(resolve, untilNextMinute + 50));
}
