import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import pg from 'pg';
import { findActiveApiKeyByHash, hashApiKey, type ApiKeyView } from '../db/api-keys.js';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';

/** What the api_keys trigger notifies on every change (migration 20261205500000_api_key_changed_notify). */
export const API_KEY_CHANNEL = 'api_key_changed';
const MAX_KEYS = 10_000;
const RECONNECT_MS = 2000;

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
  private client: pg.Client | null = null;
  private listening = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: { prisma: PrismaClient; databaseUrl: string; logger: Logger }) {}

  /** The live key with this secret, or null. */
  async find(secret: string): Promise<ApiKeyView | null> {
    const hash = hashApiKey(secret);
    const cached = this.keys.get(hash);
    if (cached) return cached;
    const generation = this.generation;
    const key = await findActiveApiKeyByHash(this.o.prisma, hash);
    if (key && this.listening && generation === this.generation) {
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

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.databaseUrl });
    client.on('notification', () => this.forget());
    client.on('error', (err) => {
      this.o.logger.warn({ err }, 'API key listener connection lost; keys are looked up per request');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${API_KEY_CHANNEL}`);
    } catch (err) {
      this.o.logger.warn({ err }, 'API key listener could not connect; keys are looked up per request');
      this.reconnect(client);
      return;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    // changes made while nobody listened went unheard
    this.forget();
    this.listening = true;
  }

  private reconnect(client: pg.Client): void {
    this.listening = false;
    this.forget();
    if (this.closed || this.timer || (this.client !== null && this.client !== client)) return;
    this.client = null;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.start();
    }, RECONNECT_MS);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    this.forget();
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
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
