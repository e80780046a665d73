import { FANDENG_METRICS, readSources, type MetricsSources } from './metric-definitions.js';

/** The options OpenTelemetry's `createObservable*` take. */
interface InstrumentOptions {
  description?: string;
  unit?: string;
}

/** What a batch callback is handed: `observe` records one value of one instrument. */
export interface OpenTelemetryBatchResult {
  observe(instrument: object, value: number, attributes?: Record<string, string>): void;
}

/**
 * The part of an OpenTelemetry `Meter` (`@opentelemetry/api` 1.x) this module uses. Any real
 * `Meter` fits, so the library needs no OpenTelemetry package of its own.
 */
export interface OpenTelemetryMeter {
  createObservableCounter(name: string, options?: InstrumentOptions): object;
  createObservableGauge(name: string, options?: InstrumentOptions): object;
  addBatchObservableCallback(
    callback: (result: OpenTelemetryBatchResult) => void,
    instruments: object[],
  ): void;
  removeBatchObservableCallback(
    callback: (result: OpenTelemetryBatchResult) => void,
    instruments: object[],
  ): void;
}

/** Options of {@link registerFandengAuthOpenTelemetry}. */
export interface FandengOpenTelemetryOptions {
  /** Prefix of every instrument name. Default `fandeng_auth.`. */
  prefix?: string;
}

/**
 * Exposes `TokenService.getMetrics()` as OpenTelemetry observable instruments on `meter`
 * (`metrics.getMeter('my-app')` from `@opentelemetry/api`): the same metrics as the Prometheus
 * export, read at each collection, with a `registration` attribute. Counters are cumulative and
 * carry no `_total` suffix (exporters add their own). Returns a function that stops reporting
 * them (OpenTelemetry cannot delete an instrument); call it once per meter.
 */
export function registerFandengAuthOpenTelemetry(
  meter: OpenTelemetryMeter,
  sources: MetricsSources,
  options: FandengOpenTelemetryOptions = {},
): () => void {
  const prefix = options.prefix ?? 'fandeng_auth.';
  const instruments = FANDENG_METRICS.map((metric) => {
    const instrumentOptions = { description: metric.description, unit: metric.unit };
    const instrument =
      metric.kind === 'counter'
        ? meter.createObservableCounter(prefix + metric.name, instrumentOptions)
        : meter.createObservableGauge(prefix + metric.name, instrumentOptions);
    return { metric, instrument };
  });
  // One batch callback: every source is read once per collection, not once per instrument.
  const callback = (result: OpenTelemetryBatchResult) => {
    for (const { registration, metrics } of readSources(sources)) {
      for (const { metric, instrument } of instruments) {
        for (const [attributes, value] of metric.read(metrics)) {
          result.observe(instrument, value, { registration, ...attributes });
        }
      }
    }
  };
  const observed = instruments.map(({ instrument }) => instrument);
  meter.addBatchObservableCallback(callback, observed);
  return () => meter.removeBatchObservableCallback(callback, observed);
}
