/**
 * The part of an ioredis client (`Redis` or `Cluster`, ioredis 5 or 6) that `RedisTokenStore`
 * uses. Declared here, structurally, so the package's typings never import `ioredis`: a user who
 * does not install that optional peer still compiles with `skipLibCheck: false`, and one who does
 * passes an ioredis client as it is.
 */
export interface RedisClientLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', milliseconds: number): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  /** A second connection with the same options (pub/sub needs one of its own). */
  duplicate(): RedisClientLike;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Connected (again): the store's subscriber then reads what it may have missed. */
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  /**
   * Reconnecting after a lost link, and ended for good: the store watches for a client that
   * ioredis gave up on (see `RedisTokenStore`).
   */
  on(event: 'reconnecting' | 'end', listener: () => void): unknown;
  disconnect(): void;
}
