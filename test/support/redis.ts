import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of this test's own, so runs never see each other's keys. */
export function testPrefix(): string {
  return `fandeng-test:${randomUUID()}:`;
}

/** The keys under `prefix`: those it starts, and those whose hash tag it starts (`{prefix…}:lock`). */
async function keysOf(redis: Redis, prefix: string): Promise<string[]> {
  return [...(await redis.keys(`${prefix}*`)), ...(await redis.keys(`{${prefix}*`))];
}

/** Every key under `prefix`, with its value. */
export async function keysUnder(
  redis: Redis,
  prefix: string,
): Promise<Record<string, string | null>> {
  const keys = await keysOf(redis, prefix);
  const values = keys.length ? await redis.mget(keys) : [];
  return Object.fromEntries(keys.map((key, i) => [key, values[i]]));
}

export async function deleteUnder(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysOf(redis, prefix);
  if (keys.length) await redis.del(keys);
}
