import { randomUUID } from 'node:crypto';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { RedisClientLike } from './redis-client.interface.js';
import { MAX_CLOCK_SKEW_MS } from '../sources/token-shape.js';
import {
  COUNT_REQUEST,
  DELETE_TOKEN_IF,
  DELETE_COOLDOWN,
  READ_COOLDOWN,
  RELEASE_LOCK_IF,
  RENEW_LOCK_IF,
  SET_IF_NEWER,
  TAKE_LOCK,
} from './redis-scripts.js';
import { besideKey, createClient, isoOrEmpty, notOurs } from './redis-support.js';
import { platformIssuedAt } from './token-order.js';
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
   * application keeps owning and closing it. Its options are its own: with ioredis's default
   * offline queue, a write the store gave up on is sent when Redis is back; the store refuses it
   * there if a newer token is stored by then, but `enableOfflineQueue: false` (after the first
   * connection) keeps such writes from travelling at all. If ioredis gives up on it (it ends
   * right after an error: a Sentinel client can, in a failover), the store goes on with a
   * `duplicate()` of its own, which it closes; a client you close yourself is left closed.
   */
  client?: RedisClientLike;
  /**
   * A Redis URL; the store connects with ioredis (`npm i ioredis`), and disconnects on shutdown.
   * Commands wait for the first connection (up to `operationTimeoutMs`); later, while the link is
   * down, they fail at once rather than queue: a write the store gave up on is never sent late.
   */
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

const COUNTER_TTL_MS = 2 * 24 * 3600 * 1000;
/** A connection that ended by itself is replaced after this long (and no more often). */
export const REDIS_REPLACE_DELAY_MS = 500;

/**
 * Keeps the token in Redis so a fleet shares one: `SET NX PX` elects one refresher per cycle,
 * a token is written only over an older one (`SET_IF_NEWER`), pub/sub tells the others at once. Keys: `{prefix}{key}` (the token, with a TTL to its expiry),
 * `{{prefix}{key}}:lock`, `{{prefix}{key}}:requests:{date}` (the fleet's token requests of a
 * platform day, kept two days), `{{prefix}{key}}:cooldown` (the fleet's pause after a failed
 * token request in an outage, for as long as it lasts), channel `{prefix}{key}:changed`. The braces of the derived keys
 * are a Redis Cluster hash tag naming the token's key: a key and its lock and counter live in one
 * hash slot, on one master, and move together in a failover (see {@link besideKey}). The client
 * secret is never written.
 */
export class RedisTokenStore implements TokenStore {
  /** The command connection: the one given, or after it ended by itself one of the store's own. */
  private client: RedisClientLike;
  /** Whether the store built {@link client} (and closes it). */
  private ownsClient: boolean;
  private closed = false;
  /** Set for a client built from `url`: how to build its subscriber connection. */
  private readonly connect?: (queue: boolean) => RedisClientLike;
  /** A client built from `url` until its first connection: commands wait for it. */
  private firstConnection?: Promise<void>;
  private readonly prefix: string;
  private readonly lockTtlMs: number;
  private readonly timeoutMs: number;
  private subscriber?: RedisClientLike;
  /** Stops the renewal of each lock this store holds. */
  private readonly renewals = new Set<() => void>();
  /** Listeners by store key (the channel is the key's, see {@link channelOf}). */
  private readonly listeners = new Map<string, Set<(token: AccessToken) => void>>();

  constructor(options: RedisTokenStoreOptions) {
    if ((options.client === undefined) === (options.url === undefined)) {
      throw new TypeError('RedisTokenStore needs exactly one of `client` or `url`');
    }
    const { url, redisOptions } = options;
    if (url !== undefined) {
      this.connect = (queue) => createClient(url, redisOptions, queue);
      const client = this.connect(false);
      this.firstConnection = new Promise<void>((resolve) => client.on('ready', resolve)).then(
        () => {
          this.firstConnection = undefined;
        },
      );
      this.client = client;
    } else {
      this.client = options.client!;
    }
    this.ownsClient = url !== undefined;
    this.watch(this.client, () => this.replaceClient());
    this.prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
    this.lockTtlMs = options.lockTtlMs ?? DEFAULT_REDIS_LOCK_TTL_MS;
    this.timeoutMs = options.operationTimeoutMs ?? DEFAULT_REDIS_OPERATION_TIMEOUT_MS;
  }

  async get(key: string): Promise<AccessToken | undefined> {
    // Someone else's value of another type under our key is not a token; the next set() replaces it.
    return deserializeToken(
      await this.run(() => this.client.get(this.prefix + key)).catch(notOurs),
    );
  }

  /**
   * Stores `token` unless the key holds a newer one (see `SET_IF_NEWER`), and then tells the
   * fleet. Resolves the newer stored token when it keeps that one.
   */
  async set(key: string, token: AccessToken): Promise<AccessToken | undefined> {
    const now = Date.now();
    const ttl = token.expiresAt.getTime() - now;
    if (ttl <= 0) return undefined;
    const text = serializeToken(token);
    const answer = await this.run(() =>
      this.client.eval(
        SET_IF_NEWER,
        1,
        this.prefix + key,
        text,
        Math.ceil(ttl),
        isoOrEmpty(token.obtainedAt.getTime()),
        isoOrEmpty(now + MAX_CLOCK_SKEW_MS),
        this.channelOf(key),
        platformIssuedAt(token) ?? '',
      ),
    );
    return typeof answer === 'string' ? deserializeToken(answer) : undefined;
  }

  async delete(key: string, value: string): Promise<void> {
    await this.run(() => this.client.eval(DELETE_TOKEN_IF, 1, this.prefix + key, value));
  }

  async acquireLock(
    key: string,
    holdMs = DEFAULT_REDIS_LOCK_HOLD_MS,
  ): Promise<ReleaseLock | undefined> {
    const lockKey = besideKey(this.prefix + key, ':lock');
    const owner = randomUUID();
    const taken = await this.run(() =>
      this.client.eval(TAKE_LOCK, 1, lockKey, owner, this.lockTtlMs),
    );
    if (taken !== 1) return undefined;
    const stopRenewing = this.renew(lockKey, owner, holdMs);
    return async () => {
      stopRenewing();
      await this.run(() => this.client.eval(RELEASE_LOCK_IF, 1, lockKey, owner));
    };
  }

  async incrementTokenRequests(key: string, date: string): Promise<number> {
    const counter = this.counterKey(key, date);
    return Number(
      await this.run(() => this.client.eval(COUNT_REQUEST, 1, counter, COUNTER_TTL_MS)),
    );
  }

  async getTokenRequests(key: string, date: string): Promise<number> {
    const text = await this.run(() => this.client.get(this.counterKey(key, date))).catch(notOurs);
    const count = Number(text ?? 0);
    return Number.isSafeInteger(count) && count >= 0 ? count : 0; // someone else's text
  }

  async setCooldown(key: string, note: string, ttlMs: number): Promise<void> {
    const cooldown = this.cooldownKey(key);
    await this.run(() =>
      ttlMs > 0
        ? this.client.set(cooldown, note, 'PX', Math.ceil(ttlMs))
        : this.client.eval(DELETE_COOLDOWN, 1, cooldown),
    );
  }

  async getCooldown(key: string): Promise<{ note: string; remainingMs: number } | undefined> {
    const answer = await this.run(() => this.client.eval(READ_COOLDOWN, 1, this.cooldownKey(key)));
    if (!Array.isArray(answer) || typeof answer[0] !== 'string') return undefined;
    const remainingMs = Number(answer[1]);
    return remainingMs > 0 ? { note: answer[0], remainingMs } : undefined;
  }

  /**
   * Calls `listener` with each token stored under `key` by anyone, and with the stored token each
   * time the subscriber connection is back after losing its link (what was published meanwhile
   * is lost; the stored token is what counts).
   */
  subscribe(key: string, listener: (token: AccessToken) => void): () => void {
    const subscriber = this.subscriberConnection();
    let set = this.listeners.get(key);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(key, set);
      // ioredis re-subscribes by itself after a reconnect.
      subscriber.subscribe(this.channelOf(key)).catch(() => undefined);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) {
        this.listeners.delete(key);
        subscriber.unsubscribe(this.channelOf(key)).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stop of this.renewals) stop();
    this.listeners.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    if (this.ownsClient) this.client.disconnect();
  }

  /**
   * Calls `replace` when `client` ends by itself while the store is open. ioredis ends a client
   * for good when a connection attempt fails fatally: a Sentinel client whose failover detector
   * fires while it is looking up the new master does (ioredis 5 and 6), and a fleet whose clients
   * ended would refresh on its own, process by process. Such an end comes right after an `error`
   * event; a client closed on purpose (`quit`, `disconnect`) ends quietly, and is left alone,
   * unless the store owns it. Replacing after a delay keeps a client that ends at once again
   * from spinning.
   */
  private watch(client: RedisClientLike, replace: () => void): void {
    let failing = false;
    client.on('error', () => {
      failing = true;
    });
    const settled = () => {
      failing = false;
    };
    client.on('ready', settled);
    client.on('reconnecting', settled);
    client.on('end', () => {
      const mine = client === this.client ? this.ownsClient : client === this.subscriber;
      if (this.closed || !(failing || mine)) return;
      setTimeout(() => {
        if (!this.closed) replace();
      }, REDIS_REPLACE_DELAY_MS).unref();
    });
  }

  /** The command connection ended by itself: a new one of the store's own takes its place. */
  private replaceClient(): void {
    const ended = this.client;
    const next = this.connect?.(false) ?? ended.duplicate();
    if (this.connect === undefined) next.on('error', () => undefined); // reported by commands
    this.client = next;
    this.ownsClient = true;
    this.watch(next, () => this.replaceClient());
  }

  /** The subscriber ended by itself: a new one subscribes to every channel, then catches up. */
  private replaceSubscriber(): void {
    this.subscriber = undefined;
    if (this.listeners.size === 0) return;
    const subscriber = this.subscriberConnection(true);
    for (const key of this.listeners.keys()) {
      subscriber.subscribe(this.channelOf(key)).catch(() => undefined);
    }
  }

  private channelOf(key: string): string {
    return `${this.prefix}${key}:changed`;
  }

  /** The fleet's count of token requests under `key` on the platform's `date`. */
  private counterKey(key: string, date: string): string {
    return besideKey(this.prefix + key, `:requests:${date}`);
  }

  /** The fleet's cooldown note under `key` (see {@link setCooldown}). */
  private cooldownKey(key: string): string {
    return besideKey(this.prefix + key, ':cooldown');
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
        this.run(() => this.client.eval(RENEW_LOCK_IF, 1, lockKey, owner, this.lockTtlMs))
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

  /** The pub/sub connection; `replacing` one that ended: it catches up when it first connects. */
  private subscriberConnection(replacing = false): RedisClientLike {
    if (this.subscriber === undefined) {
      // A subscribed connection can run no other command, so pub/sub gets its own. Built from a
      // URL, it queues its SUBSCRIBE until it connects: that is no late write.
      const subscriber = this.connect?.(true) ?? this.client.duplicate();
      subscriber.on('error', () => undefined); // failures surface through the command path
      subscriber.on('message', (channel: string, message: string) => {
        const token = deserializeToken(message);
        const key = channel.slice(this.prefix.length, -':changed'.length);
        if (token === undefined || !channel.startsWith(this.prefix)) return;
        for (const listener of this.listeners.get(key) ?? []) listener(token);
      });
      let connectedBefore = replacing;
      subscriber.on('ready', () => {
        if (connectedBefore) void this.catchUp(subscriber);
        connectedBefore = true;
      });
      this.subscriber = subscriber;
      this.watch(subscriber, () => this.replaceSubscriber());
    }
    return this.subscriber;
  }

  /**
   * The subscriber is connected again: tokens published while it was away never reach it, so
   * each listener is handed the stored token (a listener takes it only if it is newer than its
   * own). Subscribing again first, on the same connection as ioredis's own re-subscription, means
   * Redis has answered that one too: whatever is stored after the read below is published to us.
   */
  private async catchUp(subscriber: RedisClientLike): Promise<void> {
    for (const [key, listeners] of this.listeners) {
      try {
        await this.run(() => subscriber.subscribe(this.channelOf(key)));
        const token = await this.get(key);
        if (token !== undefined) for (const listener of listeners) listener(token);
      } catch {
        // Down again already: the next reconnection catches up.
      }
    }
  }

  /**
   * Every operation is bounded: Redis being down must cost a request one timeout, not a hang. An
   * operation still waiting for the first connection when its time is up is never sent.
   */
  private run<T>(operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    const first = this.firstConnection;
    const sent =
      first === undefined
        ? operation()
        : first.then(() => (timedOut ? Promise.reject(new Error('given up')) : operation()));
    return Promise.race([sent, timeout]).finally(() => clearTimeout(timer));
  }
}
