import { createServer } from 'node:net';
import { inspect } from 'node:util';

/**
 * Moves time forward, as if it had passed: both `Date.now()` (the emulator's token ledger, token
 * expiry) and `performance.now()` (the service's cooldowns and schedules, which are monotonic),
 * so a test can step past a 60 s cooldown without waiting for it, and tokens stay valid.
 */
export class ClockSkew {
  private readonly realNow = Date.now;
  private readonly realMonotonic = performance.now.bind(performance);
  private skewMs = 0;

  install(): void {
    Date.now = () => this.realNow.call(Date) + this.skewMs;
    performance.now = () => this.realMonotonic() + this.skewMs;
  }

  advance(ms: number): void {
    this.skewMs += Math.max(0, ms);
  }

  /** Steps just past `until` (a cooldown end), if it is in the future. */
  advancePast(until: Date | undefined): void {
    if (until !== undefined) this.advance(until.getTime() - Date.now() + 1);
  }

  restore(): void {
    this.skewMs = 0;
    Date.now = this.realNow;
    // The prototype's method shows through again.
    delete (performance as { now?: unknown }).now;
  }
}

/** Everything a caller or an operator could see of an error: message, inspect, JSON. */
export function errorSurfaces(error: unknown): string[] {
  return [
    error instanceof Error ? error.message : String(error),
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error) ?? '',
  ];
}

/** Which of `secrets` occur in `haystack` (empty when nothing leaked). */
export function leaksIn(haystack: readonly string[], secrets: readonly string[]): string[] {
  const text = haystack.join('\n');
  return secrets.filter((secret) => secret.length > 0 && text.includes(secret));
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Active resources (those keeping the event loop alive), counted by type. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Resource types of which `after` holds more than `before`, with both counts. */
export function resourcesAbove(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const [type, count] of Object.entries(after)) {
    if (count > (before[type] ?? 0)) extra[type] = `${before[type] ?? 0} -> ${count}`;
  }
  return extra;
}

/**
 * Waits (bounded) until no resource type exceeds `before`, and returns what still does. Sockets
 * closed by a peer go away a few event-loop turns later, not synchronously.
 */
export async function settleResources(
  before: Record<string, number>,
  maxWaitMs = 500,
): Promise<Record<string, string>> {
  const deadline = Date.now() + maxWaitMs;
  let extra = resourcesAbove(before, activeResources());
  while (Object.keys(extra).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    extra = resourcesAbove(before, activeResources());
  }
  return extra;
}

/** Polls `condition` every few ms; throws after `maxWaitMs` (bounded, never a fixed sleep). */
export async function waitFor(
  condition: () => boolean,
  what: string,
  maxWaitMs = 2000,
): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  while (!condition()) {
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${maxWaitMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
