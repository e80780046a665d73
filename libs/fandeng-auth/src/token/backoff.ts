/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of a
 * fleet spread out but never collapse to zero (which would turn backoff into a burst).
 */
export function backoffDelay(
  failures: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}
