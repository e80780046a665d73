import { createRequire } from 'node:module';
import { FANDENG_METRICS, readSources, type MetricsSources } from './metric-definitions.js';

/**
 * A prom-client `Registry`, as far as these typings need one. Structural, so the package's
 * typings never import `prom-client` (an optional peer): any prom-client registry fits.
 */
export interface PrometheusRegistry {
  removeSingleMetric(name: string): void;
}

/** The parts of prom-client that {@link registerFandengAuthMetrics} uses. */
interface PromClientModule {
  register: PrometheusRegistry;
  Counter: new (config: PromMetricConfig<PromCounter>) => unknown;
  Gauge: new (config: PromMetricConfig<PromGauge>) => unknown;
}
interface PromCounter {
  reset(): void;
  inc(labels: Record<string, string>, value: number): void;
}
interface PromGauge {
  reset(): void;
  set(labels: Record<string, string>, value: number): void;
}
interface PromMetricConfig<T> {
  name: string;
  help: string;
  labelNames: string[];
  registers: PrometheusRegistry[];
  collect(this: T): void;
}

/** Options of {@link registerFandengAuthMetrics}. */
export interface FandengPrometheusOptions {
  /** The prom-client registry. Default: prom-client's global `register` (what `@willsoto/nestjs-prometheus` serves). */
  registry?: PrometheusRegistry;
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
  const prom = createRequire(import.meta.url)('prom-client') as PromClientModule;
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
