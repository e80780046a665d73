import { createRequire } from 'node:module';
import type { RedisClientLike } from './redis-client.interface.js';

/** Helpers of `RedisTokenStore`: its key names, its own connections, its reading of answers. */

/**
 * A value of another type under one of the store's keys (someone else's) reads as no value: not an
 * outage either. Any other failure is one.
 */
export function notOurs(error: unknown): null {
  if (error instanceof Error && error.message.startsWith('WRONGTYPE')) return null;
  throw error;
}

/**
 * The name of a key that lives in the same Redis Cluster hash slot as `key`: `key`'s own hash tag
 * where it has one (`app:{fandeng}:token` gives `app:{fandeng}:token:lock`), or else `key` itself
 * as the tag (`fandeng-auth:token:c` gives `{fandeng-auth:token:c}:lock`; Redis hashes only what
 * is inside the first braces, and that is the whole untagged key). The token's own key keeps its
 * plain name, so the fleets of two versions still share the token during a rolling upgrade. A key
 * with a `}` but no tag (`a{}b`) cannot be a tag: its companions then get their own slots.
 */
export function besideKey(key: string, suffix: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  const tagged = close > open + 1;
  return tagged || key.includes('}') ? key + suffix : `{${key}}${suffix}`;
}

/** The constructor of ioredis's `Redis`, as far as {@link createClient} uses it. */
type RedisConstructor = new (url: string, options: object) => RedisClientLike;

/**
 * A client of the store's own. `queue: false` (the command connection): once connected, a
 * command sent while the link is down fails at once instead of waiting in ioredis's offline
 * queue, and one in flight when the link drops is not sent again on reconnecting; either would
 * reach Redis after the store had given up on it.
 */
export function createClient(url: string, options: object = {}, queue = false): RedisClientLike {
  // ioredis is an optional peer: loaded only when a store is built from a URL.
  const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as {
    Redis: RedisConstructor;
  };
  // disconnectTimeout: a socket that never connected (Redis down) otherwise holds the process
  // open for 2 s after close().
  const client = new RedisClient(url, {
    maxRetriesPerRequest: 1,
    disconnectTimeout: 200,
    ...options,
    enableOfflineQueue: queue,
    autoResendUnfulfilledCommands: queue,
  });
  client.on('error', () => undefined); // failures surface through the command path
  return client;
}

/** `at` (epoch ms) as `Date#toISOString` writes it, or `''` (before every date) if it is none. */
export function isoOrEmpty(at: number): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}
