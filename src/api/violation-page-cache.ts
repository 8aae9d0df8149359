import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ChangeListener } from '../db/change-listener.js';
import type { PrismaClient } from '../db/client.js';
import { forgetViolationCounts } from '../db/violations.js';
import type { Logger } from '../logger.js';

/** What the triggers of migration 20261205800000_violation_list_notify notify on every change a page shows. */
export const VIOLATION_LIST_CHANNEL = 'violation_list_changed';
/** Distinct queries kept; the review queue's consoles ask a handful, a full map means someone walks the pages. */
const MAX_PAGES = 200;

declare module 'fastify' {
  interface FastifyInstance {
    violationPages: ViolationPageCache;
  }
}

/**
 * Serialized pages of GET /violations by query, so that the consoles of a city's officers asking the same queue
 * hundreds of times a second cost one query per change, not one per request. A page is never stale: any change it
 * could show NOTIFYs at commit and empties the cache, and before a page is served from memory a round trip on the
 * listening connection (ChangeListener.sync) makes sure every change committed before the request has been heard.
 * The same notifications empty the tab counts' cache, whose second-long life then only matters while the connection
 * is down, when no page is kept. A page being built when the cache empties is not kept.
 */
export class ViolationPageCache {
  private readonly pages = new Map<string, Buffer>();
  private generation = 0;
  private readonly listener: ChangeListener;

  constructor(o: { prisma: PrismaClient; databaseUrl: string; logger: Logger }) {
    this.listener = new ChangeListener({
      databaseUrl: o.databaseUrl,
      channels: [VIOLATION_LIST_CHANNEL],
      logger: o.logger,
      whileDown: 'violation pages are built per request',
      onChange: () => {
        this.forget();
        forgetViolationCounts(o.prisma);
      },
    });
  }

  /** The page for `query`, from memory when nothing it shows has changed since it was built. */
  async get(query: string, build: () => Promise<Buffer>): Promise<Buffer> {
    // heard first, so that a page built now does not take tab counts a change committed before it made stale
    if (await this.listener.sync()) {
      const page = this.pages.get(query);
      if (page) return page;
    }
    const generation = this.generation;
    const page = await build();
    if (this.listener.listening && generation === this.generation) {
      if (this.pages.size >= MAX_PAGES) this.pages.clear();
      this.pages.set(query, page);
    }
    return page;
  }

  forget(): void {
    this.generation++;
    this.pages.clear();
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  close(): Promise<void> {
    return this.listener.close();
  }
}

/** Decorates the app with `violationPages`, listening from ready until close. */
function pageCache(
  app: FastifyInstance,
  opts: { prisma: PrismaClient; databaseUrl: string; logger: Logger },
  done: () => void,
): void {
  const cache = new ViolationPageCache(opts);
  app.decorate('violationPages', cache);
  app.addHook('onReady', () => cache.start());
  app.addHook('onClose', () => cache.close());
  done();
}

export default fp(pageCache, { name: 'violation-page-cache', fastify: '5.x' });
