// Compiled by test/host-app.e2e-spec.ts where the optional peers are installed: the structural
// types the package declares instead of importing ioredis and prom-client accept their real
// objects (a Redis, a Sentinel and a Cluster client; a prom-client Registry).
import { Cluster, Redis } from 'ioredis';
import { Registry } from 'prom-client';
import {
  RedisTokenStore,
  registerFandengAuthMetrics,
  type TokenService,
} from 'nestjs-fandeng-auth';

export function stores(): RedisTokenStore[] {
  return [
    new RedisTokenStore({ client: new Redis({ lazyConnect: true }) }),
    new RedisTokenStore({
      client: new Redis({ sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'main' }),
    }),
    new RedisTokenStore({ client: new Cluster([{ host: '127.0.0.1', port: 7000 }]) }),
    new RedisTokenStore({ url: 'rediss://127.0.0.1:6380', redisOptions: { tls: {} } }),
  ];
}

export function metrics(tokens: TokenService): () => void {
  return registerFandengAuthMetrics(tokens, { registry: new Registry() });
}
