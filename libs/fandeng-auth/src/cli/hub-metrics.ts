import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** `fandeng_auth_build_info{version} 1`: which release of the package a hub runs. */
export const BUILD_INFO_METRIC = 'fandeng_auth_build_info';

/** The parts of prom-client used here. */
interface PromProcessClient {
  collectDefaultMetrics(): void;
  Gauge: new (config: { name: string; help: string; labelNames: string[] }) => {
    set(labels: Record<string, string>, value: number): void;
  };
}

/**
 * The package's version: its package.json is the parent folder's in the built package
 * (`cli/` beside it), two folders up in the source tree.
 */
export function packageVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'nestjs-fandeng-auth' && manifest.version) return manifest.version;
    } catch {
      // Not there in this layout: try the next.
    }
  }
  return 'unknown';
}

/**
 * The hub is a process of its own, so its registry also carries prom-client's `process_*` and
 * `nodejs_*` metrics (CPU, memory, event-loop lag, heap) and the build info. Only the hub
 * command does this: an app that imports the module decides what its own registry collects.
 * Call once per process (prom-client refuses a metric name registered twice).
 */
export function registerHubProcessMetrics(): void {
  const prom = createRequire(import.meta.url)('prom-client') as PromProcessClient;
  prom.collectDefaultMetrics();
  const info = new prom.Gauge({
    name: BUILD_INFO_METRIC,
    help: 'Always 1: the version of nestjs-fandeng-auth this hub runs (the Node.js version is nodejs_version_info)',
    labelNames: ['version'],
  });
  info.set({ version: packageVersion() }, 1);
}
