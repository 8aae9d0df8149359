import { Redis, type RedisOptions } from 'ioredis';

/**
 * `worker`: blocking commands must wait out Redis restarts, so BullMQ requires maxRetriesPerRequest null.
 * `producer`: an API request that enqueues should fail fast when Redis is down (the reconciler catches up later).
 */
export type RedisRole = 'worker' | 'producer';

export function createRedisConnection(redisUrl: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 };
  return new Redis(redisUrl, { ...options, ...extra });
}
