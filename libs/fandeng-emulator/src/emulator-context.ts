import type { EmulatorCounters } from './counters.js';
import type { DailyQuota } from './daily-quota.js';
import type { ResolvedEmulatorOptions } from './emulator-options.js';
import type { FaultQueue } from './faults.js';
import type { JwtSigner } from './jwt.js';
import type { TimerRegistry } from './timer-registry.js';
import type { TokenLedger } from './token-ledger.js';

/**
 * The state the request handlers share. `options` is replaced as a whole by `configure()`;
 * handlers read it when they need a value, so a change applies to requests already waiting.
 */
export interface EmulatorContext {
  options: ResolvedEmulatorOptions;
  readonly counters: EmulatorCounters;
  readonly ledger: TokenLedger;
  readonly quota: DailyQuota;
  readonly tokenFaults: FaultQueue;
  readonly apiFaults: FaultQueue;
  readonly timers: TimerRegistry;
  readonly signer: JwtSigner;
}
