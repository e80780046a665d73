import { createRequire } from 'node:module';
import type { PrometheusRegistry } from './prometheus-metrics.js';

/** What one consumer asked of the hub since it started (`TokenHubService.getConsumerCounts()`). */
export interface HubConsumerCountsSource {
  getConsumerCounts(): ReadonlyMap<string, Readonly<{ tokens: number; rejections: number }>>;
}

/** Options of {@link registerFandengHubMetrics}. */
export interface FandengHubPrometheusOptions {
  /** The prom-client registry. Default: prom-client's global `register`. */
  registry?: PrometheusRegistry;
  /** The metric's name. Default `fandeng_hub_consumer_requests_total`. */
  name?: string;
}

/** The label of the keys without a consumer name, in every place that shows one. */
export const UNNAMED_CONSUMER = 'unnamed';

interface PromCounterModule {
  register: PrometheusRegistry;
  Counter: new (config: {
    name: string;
    help: string;
    labelNames: string[];
    registers: PrometheusRegistry[];
    collect(this: {
      reset(): void;
      inc(labels: Record<string, string>, value: number): void;
    }): void;
  }) => unknown;
}

/**
 * Exposes a token hub's consumer counts to Prometheus through `prom-client` (an optional peer):
 * `fandeng_hub_consumer_requests_total{consumer, kind}`, `kind` being `token` (pulls) or
 * `rejection` (reports), `consumer` the name of the key (`unnamed` for keys without one). Read
 * at scrape time. `hub` is the app's `TokenHubService` (`app.get(TokenHubService)`). The names
 * are the hub's consumers: serve this registry only to those allowed to see them. Returns a
 * function that removes the metric from the registry.
 */
export function registerFandengHubMetrics(
  hub: HubConsumerCountsSource,
  options: FandengHubPrometheusOptions = {},
): () => void {
  const prom = createRequire(import.meta.url)('prom-client') as PromCounterModule;
  const registry = options.registry ?? prom.register;
  const name = options.name ?? 'fandeng_hub_consumer_requests_total';
  new prom.Counter({
    name,
    help: 'Requests the hub answered, by the consumer name of the key (unnamed: keys without one) and kind (token, rejection)',
    labelNames: ['consumer', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, counts] of hub.getConsumerCounts()) {
        const consumer = key || UNNAMED_CONSUMER;
        if (counts.tokens > 0) this.inc({ consumer, kind: 'token' }, counts.tokens);
        if (counts.rejections > 0) this.inc({ consumer, kind: 'rejection' }, counts.rejections);
      }
    },
  });
  return () => registry.removeSingleMetric(name);
}
