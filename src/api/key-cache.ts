import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { findActiveApiKeyByHash, hashApiKey, type ApiKeyView } from '../db/api-keys.js';
import { ChangeListener } from '../db/change-listener.js';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';

/** What the api_keys trigger notifies on every change (migration 20261205500000_api_key_changed_notify). */
export const API_KEY_CHANNEL = 'api_key_changed';
const MAX_KEYS = 10_000;

declare module 'fastify' {
  interface FastifyInstance {
    apiKeys: ApiKeyCache;
  }
}

/**
 * Live API keys by the sha256 of their secret, so that an authenticated request costs no key query. Revocation stays
 * immediate: a revocation in this process forgets the keys before it answers (forget); one anywhere else (the keys
 * CLI, another API process, SQL) reaches the api_keys trigger, whose NOTIFY empties the cache as it arrives; and
 * while the LISTEN connection is down nothing is cached, each request asking the database. A lookup in flight when
 * the cache is emptied does not put its answer back. Unknown secrets are never cached: a new key works at once.
 */
export class ApiKeyCache {
  private readonly keys = new Map<string, ApiKeyView>();
  private generation = 0;
  private readonly listener: ChangeListener;

  constructor(private readonly o: { prisma: PrismaClient; databaseUrl: string; logger: Logger }) {
    this.listener = new ChangeListener({
      databaseUrl: o.databaseUrl,
      channels: [API_KEY_CHANNEL],
      logger: o.logger,
      whileDown: 'keys are looked up per request',
      onNotification: () => this.forget(),
      onConnected: () => this.forget(),
      onLost: () => this.forget(),
    });
  }

  /** The live key with this secret, or null. */
  async find(secret: string): Promise<ApiKeyView | null> {
    const hash = hashApiKey(secret);
    const cached = this.keys.get(hash);
    if (cached) return cached;
    const generation = this.generation;
    const key = await findActiveApiKeyByHash(this.o.prisma, hash);
    if (key && this.listener.listening && generation === this.generation) {
      if (this.keys.size >= MAX_KEYS) this.keys.clear();
      this.keys.set(hash, key);
    }
    return key;
  }

  /** Drops every cached key; lookups in flight keep theirs to themselves. */
  forget(): void {
    this.generation++;
    this.keys.clear();
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  close(): Promise<void> {
    return this.listener.close();
  }
}

/** Decorates the app with `apiKeys`, listening from ready until close. */
function keyCache(
  app: FastifyInstance,
  opts: { prisma: PrismaClient; databaseUrl: string; logger: Logger },
  done: () => void,
): void {
  const cache = new ApiKeyCache(opts);
  app.decorate('apiKeys', cache);
  app.addHook('onReady', () => cache.start());
  app.addHook('onClose', () => cache.close());
  done();
}

export default fp(keyCache, { name: 'api-key-cache', fastify: '5.x' });
