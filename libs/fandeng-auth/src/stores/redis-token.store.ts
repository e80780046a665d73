import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { RedisClientLike } from './redis-client.interface.js';
import { deserializeToken, serializeToken } from './token-serialization.js';
import type { ReleaseLock, TokenStore } from '../interfaces/token-store.interface.js';

/** Default prefix of every key the store writes. */
export const DEFAULT_REDIS_KEY_PREFIX = 'fandeng-auth:';
/** A holder that has not renewed its lock for 5 s is presumed dead. */
export const DEFAULT_REDIS_LOCK_TTL_MS = 5_000;
/**
 * A holder renews its lock for at most this long when it does not say how long it may hold it
 * (`TokenService` does: its longest refresh flight).
 */
export const DEFAULT_REDIS_LOCK_HOLD_MS = 120_000;
/** Redis answers in a millisecond; past this, the module falls back to local fetching. */
export const DEFAULT_REDIS_OPERATION_TIMEOUT_MS = 1_000;

/** Options of {@link RedisTokenStore}: give `client` (you own it) or `url` (the store owns it). */
export interface RedisTokenStoreOptions {
  /**
   * An ioredis client (`new Redis(...)` for a server or Sentinel, `new Cluster(...)`). The
   * application keeps owning and closing it.
   */
  client?: RedisClientLike;
  /** A Redis URL; the store connects with ioredis (`npm i ioredis`), and disconnects on shutdown. */
  url?: string;
  /**
   * Extra ioredis `RedisOptions` for a `url` connection (`tls`, `username`, ...). Typed loosely so
   * these typings need no `ioredis`; ioredis checks them when it connects.
   */
  redisOptions?: object;
  /** Prefix of every key. Default `fandeng-auth:`. */
  keyPrefix?: string;
  /**
   * How long the refresh lock outlives a holder that died. A live holder renews it every third
   * of this, however slow the platform is. Default `5000`.
   */
  lockTtlMs?: number;
  /** Each Redis operation fails after this long (a down Redis must not hang a request). Default `1000`. */
  operationTimeoutMs?: number;
}

// Compare-and-delete: only the value we were told about is removed, never a newer one. The key
// may hold anything (another writer's garbage, another type): pcall keeps that from failing the
// script, and so from marking the store unhealthy; such a value is replaced at the next set.
const DELETE_TOKEN_IF = `
local ok, current = pcall(redis.call, 'GET', KEYS[1])
if not ok or not current then return 0 end
local parsed, token = pcall(cjson.decode, current)
if parsed and type(token) == 'table' and token.value == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
// A day's counter lives two days: long enough to be read all day wherever the platform's midnight is.
// Someone else's value under the key (text, another type, no TTL) restarts the count; it is not an
// outage, and must not live for ever.
const COUNT_REQUEST = `
local ok, count = pcall(redis.call, 'INCR', KEYS[1])
if not ok then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
  return 1
end
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;
const COUNTER_TTL_MS = 2 * 24 * 3600 * 1000;
// Takes the lock if it is free. A lock without a TTL is none of ours (ours always expire): it would
// keep every process from the lock for ever, so it gets the TTL of a dead holder's lock.
const TAKE_LOCK = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE_LOCK_IF = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const RENEW_LOCK_IF = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/**
 * Keeps the token in Redis so a fleet shares one: `SET NX PX` elects one refresher per cycle,
 * pub/sub tells the others at once. Keys: `{prefix}{key}` (the token, with a TTL to its expiry),
 * `{{prefix}{key}}:lock`, `{{prefix}{key}}:requests:{date}` (the fleet's token requests of a
 * platform day, kept two days), channel `{prefix}{key}:changed`. The braces of the derived keys
 * are a Redis Cluster hash tag naming the token's key: a key and its lock and counter live in one
 * hash slot, on one master, and move together in a failover (see {@link besideKey}). The client
 * secret is never written.
 */
export class RedisTokenStore implements TokenStore {
  private readonly client: RedisClientLike;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly lockTtlMs: number;
  private readonly timeoutMs: number;
  private subscriber?: RedisClientLike;
  /** Stops the renewal of each lock this store holds. */
  private readonly renewals = new Set<() => void>();
  private readonly listeners = new Map<string, Set<(token: AccessToken) => void>>();

  constructor(options: RedisTokenStoreOptions) {
    if ((options.client === undefined) === (options.url === undefined)) {
      throw new TypeError('RedisTokenStore needs exactly one of `client` or `url`');
    }
    this.owned = options.client === undefined;
    this.client = options.client ?? createClient(options.url!, options.redisOptions);
    this.prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
    this.lockTtlMs = options.lockTtlMs ?? DEFAULT_REDIS_LOCK_TTL_MS;
    this.timeoutMs = options.operationTimeoutMs ?? DEFAULT_REDIS_OPERATION_TIMEOUT_MS;
  }

  async get(key: string): Promise<AccessToken | undefined> {
    // Someone else's value of another type under our key is not a token; the next set() replaces it.
    return deserializeToken(await this.run(this.client.get(this.prefix + key)).catch(notOurs));
  }

  async set(key: string, token: AccessToken): Promise<void> {
    const ttl = token.expiresAt.getTime() - Date.now();
    if (ttl <= 0) return;
    const text = serializeToken(token);
    await this.run(this.client.set(this.prefix + key, text, 'PX', Math.ceil(ttl)));
    await this.run(this.client.publish(`${this.prefix}${key}:changed`, text));
  }

  async delete(key: string, value: string): Promise<void> {
    await this.run(this.client.eval(DELETE_TOKEN_IF, 1, this.prefix + key, value));
  }

  async acquireLock(
    key: string,
    holdMs = DEFAULT_REDIS_LOCK_HOLD_MS,
  ): Promise<ReleaseLock | undefined> {
    const lockKey = besideKey(this.prefix + key, ':lock');
    const owner = randomUUID();
    const taken = await this.run(this.client.eval(TAKE_LOCK, 1, lockKey, owner, this.lockTtlMs));
    if (taken !== 1) return undefined;
    const stopRenewing = this.renew(lockKey, owner, holdMs);
    return async () => {
      stopRenewing();
      await this.run(this.client.eval(RELEASE_LOCK_IF, 1, lockKey, owner));
    };
  }

  async incrementTokenRequests(key: string, date: string): Promise<number> {
    const counter = this.counterKey(key, date);
    return Number(await this.run(this.client.eval(COUNT_REQUEST, 1, counter, COUNTER_TTL_MS)));
  }

  async getTokenRequests(key: string, date: string): Promise<number> {
    const text = await this.run(this.client.get(this.counterKey(key, date))).catch(notOurs);
    const count = Number(text ?? 0);
    return Number.isSafeInteger(count) && count >= 0 ? count : 0; // someone else's text
  }

  subscribe(key: string, listener: (token: AccessToken) => void): () => void {
    const channel = `${this.prefix}${key}:changed`;
    const subscriber = this.subscriberConnection();
    let set = this.listeners.get(channel);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(channel, set);
      // ioredis re-subscribes by itself after a reconnect.
      subscriber.subscribe(channel).catch(() => undefined);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) {
        this.listeners.delete(channel);
        subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    for (const stop of this.renewals) stop();
    this.listeners.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    if (this.owned) this.client.disconnect();
  }

  /** The fleet's count of token requests under `key` on the platform's `date`. */
  private counterKey(key: string, date: string): string {
    return besideKey(this.prefix + key, `:requests:${date}`);
  }

  /**
   * Keeps a held lock alive while this process lives: without it, a token request slower than
   * `lockTtlMs` (a slow platform, retries with backoff) would let a second process take the
   * lock and call the platform too. A dead or stalled holder stops renewing, so its lock still
   * expires within `lockTtlMs`. Renewal ends after `holdMs`. Returns the function that stops it.
   */
  private renew(lockKey: string, owner: string, holdMs: number): () => void {
    const until = Date.now() + holdMs;
    let pending = false; // one renewal at a time: a slow Redis must not pile them up
    const stop = () => {
      clearInterval(timer);
      this.renewals.delete(stop);
    };
    const timer = setInterval(
      () => {
        if (Date.now() >= until) return stop();
        if (pending) return;
        pending = true;
        this.run(this.client.eval(RENEW_LOCK_IF, 1, lockKey, owner, this.lockTtlMs))
          .then(
            (kept) => {
              if (kept === 0) stop(); // no longer ours: released, or expired meanwhile
            },
            () => undefined, // Redis is down: the lock expires by itself, as it must
          )
          .finally(() => {
            pending = false;
          });
      },
      Math.max(10, Math.floor(this.lockTtlMs / 3)),
    );
    timer.unref(); // a held lock never keeps the process alive
    this.renewals.add(stop);
    return stop;
  }

  private subscriberConnection(): RedisClientLike {
    if (this.subscriber === undefined) {
      // A subscribed connection can run no other command, so pub/sub gets its own.
      const subscriber = this.client.duplicate();
      subscriber.on('error', () => undefined); // failures surface through the command path
      subscriber.on('message', (channel: string, message: string) => {
        const token = deserializeToken(message);
        if (token === undefined) return;
        for (const listener of this.listeners.get(channel) ?? []) listener(token);
      });
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  /** Every operation is bounded: Redis being down must cost a request one timeout, not a hang. */
  private run<T>(operation: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    return Promise.race([operation, timeout]).finally(() => clearTimeout(timer));
  }
}

/**
 * A value of another type under one of the store's keys (someone else's) reads as no value: not an
 * outage either. Any other failure is one.
 */
function notOurs(error: unknown): null {
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

function createClient(url: string, options: object = {}): RedisClientLike {
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
  });
  client.on('error', () => undefined); // failures surface through the command path
  return client;
}
