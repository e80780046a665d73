import { EmulatorConfigError } from './emulator-config.error.js';

/** A misbehaviour to inject in place of one normal answer. */
export type EmulatorFault =
  /**
   * Answer `status` with `body` (default: a JSON `server_error`) and extra `headers`, e.g. 503
   * with `Retry-After`, or 200 with an HTML page. The content type is guessed from the body
   * unless `headers` sets `Content-Type`.
   */
  | { type: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Wait `ms`, then answer normally (a slow platform, or a timeout when `ms` is long). */
  | { type: 'delay'; ms: number }
  /** Destroy the socket without answering (the client sees a connection reset). */
  | { type: 'drop' }
  /** Answer 200 and write `body` one byte at a time, `chunkDelayMs` apart. */
  | { type: 'trickle'; body: string; chunkDelayMs: number }
  /** Answer `status` (default 200) with a raw `body` (default type JSON): malformed, empty... */
  | { type: 'body'; status?: number; body: string; contentType?: string };

interface QueuedFault {
  readonly fault: EmulatorFault;
  remaining: number;
}

/** Faults waiting for the next requests of one endpoint, first in first out. */
export class FaultQueue {
  private readonly queue: QueuedFault[] = [];

  /**
   * Queues `fault` for the next `times` requests (default 1). `Infinity` keeps it until
   * `clear()`, e.g. for a platform that stays down.
   */
  push(fault: EmulatorFault, times = 1): void {
    const problems = validateFault(fault);
    if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
      problems.push('times: must be an integer >= 1 or Infinity');
    }
    if (problems.length > 0) throw new EmulatorConfigError(problems);
    this.queue.push({ fault: { ...fault }, remaining: times });
  }

  /** Takes the fault for this request, if any. */
  take(): EmulatorFault | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) this.queue.shift();
    return head.fault;
  }

  clear(): void {
    this.queue.length = 0;
  }

  /** Requests that will still get a fault (Infinity if one is permanent). */
  get pending(): number {
    return this.queue.reduce((sum, entry) => sum + entry.remaining, 0);
  }
}

function validateFault(fault: EmulatorFault): string[] {
  if (typeof fault !== 'object' || fault === null) return ['fault: must be an object'];
  const problems: string[] = [];
  const isStatus = (s: unknown): boolean =>
    Number.isInteger(s) && (s as number) >= 100 && (s as number) <= 599;
  const isDelay = (ms: unknown): boolean =>
    typeof ms === 'number' && Number.isFinite(ms) && ms >= 0;
  switch (fault.type) {
    case 'status':
      if (!isStatus(fault.status)) problems.push('fault.status: must be an HTTP status 100-599');
      break;
    case 'delay':
      if (!isDelay(fault.ms)) problems.push('fault.ms: must be a finite number >= 0');
      break;
    case 'drop':
      break;
    case 'trickle':
      if (typeof fault.body !== 'string') problems.push('fault.body: must be a string');
      if (!isDelay(fault.chunkDelayMs))
        problems.push('fault.chunkDelayMs: must be a finite number >= 0');
      break;
    case 'body':
      if (typeof fault.body !== 'string') problems.push('fault.body: must be a string');
      if (fault.status !== undefined && !isStatus(fault.status)) {
        problems.push('fault.status: must be an HTTP status 100-599');
      }
      break;
    default:
      problems.push(
        `fault.type: unknown type ${JSON.stringify((fault as { type: unknown }).type)}`,
      );
  }
  return problems;
}
