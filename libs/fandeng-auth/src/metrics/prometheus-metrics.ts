import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import { FANDENG_METRICS, readSources, type MetricsSources } from './metric-definitions.js';

/** Options of {@link registerFandengAuthMetrics}. */
export interface FandengPrometheusOptions {
  /** The prom-client registry. Default: prom-client's global `register` (what `@willsoto/nestjs-prometheus` serves). */
  registry?: PromClient.Registry;
  /** Prefix of every metric name. Default `fandeng_auth_`. */
  prefix?: string;
}

/**
 * Exposes `TokenService.getMetrics()` to Prometheus through `prom-client` (an optional peer):
 * the values are read at scrape time, labelled by `registration` (`default`, or the name of a
 * named registration). Counters get the `_total` suffix. Call once per registry at startup, for
 * example in `onModuleInit`. Returns a function that removes the metrics from the registry.
 */
export function registerFandengAuthMetrics(
  sources: MetricsSources,
  options: FandengPrometheusOptions = {},
): () => void {
  const prom = createRequire(import.meta.url)('prom-client') as typeof PromClient;
  const registry = options.registry ?? prom.register;
  const registers = [registry];
  const names: string[] = [];
  const prefix = options.prefix ?? 'fandeng_auth_';

  for (const metric of FANDENG_METRICS) {
    const name = prefix + metric.name + (metric.kind === 'counter' ? '_total' : '');
    names.push(name);
    const labelNames = ['registration', ...(metric.attributes ?? [])];
    // Each scrape sets every series afresh: a series with nothing to report disappears.
    const collect = (record: (labels: Record<string, string>, value: number) => void) => {
      for (const { registration, metrics } of readSources(sources)) {
        for (const [attributes, value] of metric.read(metrics)) {
          record({ registration, ...attributes }, value);
        }
      }
    };
    const config = { name, help: metric.description, labelNames, registers };
    if (metric.kind === 'counter') {
      new prom.Counter({
        ...config,
        collect() {
          this.reset();
          collect((labels, value) => this.inc(labels, value));
        },
      });
    } else {
      new prom.Gauge({
        ...config,
        collect() {
          this.reset();
          collect((labels, value) => this.set(labels, value));
        },
      });
    }
  }
  return () => {
    for (const name of names) registry.removeSingleMetric(name);
  };
}
