import type { ReleaseLock } from '../interfaces/token-store.interface.js';
import { monotonicNow } from './clock.js';

/** A probe keeps going this long after the last caller was refused a token. */
const IDLE_AFTER_MS = 30_000;

/** What {@link RecoveryProbe} is given: the probe itself and the state it watches. */
export interface RecoveryProbeDeps {
  /** Milliseconds between two probes (of this process; with a shared store, of the fleet). */
  intervalMs: number;
  /** Asks the source whether it is back, without spending quota. Never throws. */
  probe(): Promise<boolean>;
  /**
   * The fleet's probe slot for one interval: a release function, `undefined` while another
   * process holds it (it probes for the fleet), or a no-op where nothing is shared.
   */
  takeSlot(): Promise<ReleaseLock | undefined>;
  /** Is probing still useful: failing for a reason a probe can see, and no good token held? */
  useful(): boolean;
  /** The source is back: make the real request now. */
  onAlive(): void;
  signal: AbortSignal;
}

/**
 * Tells "the platform is back" from "spend a token request". While the service is cooling down
 * after failures, with callers being refused, it asks the source every `intervalMs` with a
 * request that cannot count against the quota (`TokenEndpoint.probe`), and calls `onAlive` at
 * the first live answer. It stops once a token is held, when no caller has asked for a while,
 * and on shutdown.
 */
export class RecoveryProbe {
  /** Probes sent since start. */
  probes = 0;
  private timer?: NodeJS.Timeout;
  private lastWantedAt = 0;
  private release?: ReleaseLock;
  /** Live answers that were followed by a failed token request: each doubles the next wait. */
  private falseAlarms = 0;
  private nextAliveAllowedAt = 0;

  constructor(private readonly deps: RecoveryProbeDeps) {}

  get probing(): boolean {
    return this.timer !== undefined;
  }

  /** A caller was refused a token (or the held one is about to expire): probe while useful. */
  wanted(): void {
    if (this.deps.intervalMs <= 0 || this.deps.signal.aborted) return;
    this.lastWantedAt = monotonicNow();
    if (this.timer === undefined) this.arm();
  }

  /** A token was obtained: the outage is over. */
  recovered(): void {
    this.falseAlarms = 0;
    this.nextAliveAllowedAt = 0;
    this.stop();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const release = this.release;
    this.release = undefined;
    void release?.().catch(() => undefined);
  }

  private arm(): void {
    this.timer = setTimeout(() => void this.tick(), this.deps.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const { deps } = this;
    const idle = monotonicNow() - this.lastWantedAt > IDLE_AFTER_MS;
    if (deps.signal.aborted || idle || !deps.useful()) return this.stop();
    // The slot is held from one probe to the next, so a fleet probes once per interval.
    await this.release?.().catch(() => undefined);
    this.release = await deps.takeSlot();
    if (this.timer === undefined) return this.stop(); // stopped meanwhile: give the slot back
    if (this.release !== undefined) {
      this.probes++;
      const alive = await deps.probe();
      const now = monotonicNow();
      if (alive && now >= this.nextAliveAllowedAt && deps.useful() && !deps.signal.aborted) {
        // A source that answers probes but still fails token requests (a gateway in front of a
        // dead backend) must not turn every probe into a token request: each such false alarm
        // doubles the wait before the next live answer counts.
        this.nextAliveAllowedAt = now + deps.intervalMs * 2 ** Math.min(this.falseAlarms, 16);
        this.falseAlarms++;
        deps.onAlive();
      }
    }
    if (this.timer !== undefined && !deps.signal.aborted) this.arm();
  }
}
