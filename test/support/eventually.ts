/**
 * Polls `probe` until it returns true or `withinMs` passes, and returns the last answer. For state that
 * settles asynchronously (a worker committing, a notification arriving); not for measuring speed.
 */
export async function eventually(probe: () => Promise<boolean> | boolean, withinMs = 5000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return probe();
}
