/**
 * Rejects when `work` has not settled within `ms`. BullMQ and ioredis wait for a lost Redis
 * indefinitely; a request must answer anyway. The work itself is not cancelled.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a request waits on Redis before carrying on without it. */
export const REDIS_TIMEOUT_MS = 2000;
