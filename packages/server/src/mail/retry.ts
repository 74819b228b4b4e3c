/** Exponential back-off: base·2^(attempt−1), capped. With the default base of 15 s the first retry comes within 30 s. */
export function retryDelaySeconds(attempt: number, baseSeconds: number, maxSeconds: number): number {
  return Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
}

/** An error as it may be stored and logged: one line, bounded, with any URL credentials removed. */
export function describeSendError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/\/\/[^/@\s]+@/g, '//***@')
    .replace(/\s+/g, ' ')
    .slice(0, 500);
}
