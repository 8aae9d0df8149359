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
 * is down, when no page is kept.
 */
export class ViolationPageCache {
  private readonly pages = new Map<string, Promise<Buffer>>();
  private readonly listener: ChangeListener;

  constructor(o: { prisma: PrismaClient; databaseUrl: string; logger: Logger }) {
    const forgetAll = () => {
      this.forget();
      forgetViolationCounts(o.prisma);
    };
    this.listener = new ChangeListener({
      databaseUrl: o.databaseUrl,
      channels: [VIOLATION_LIST_CHANNEL],
      logger: o.logger,
      whileDown: 'violation pages are built per request',
      onNotification: forgetAll,
      onConnected: forgetAll,
      onLost: forgetAll,
    });
  }

  /**
   * The page for `query`, from memory when nothing it shows has changed since it was built. Requests that come
   * while it is being built wait for that build: a new filter asked by many consoles at once costs one query.
   */
  async get(query: string, build: () => Promise<Buffer>): Promise<Buffer> {
    // heard first, so that a page built now does not take tab counts a change committed before it made stale, and
    // a build begun before such a change (emptied from the map as it was heard) is not joined
    if (!(await this.listener.sync())) return build();
    const kept = this.pages.get(query);
    if (kept) return kept;
    const page = build();
    if (this.pages.size >= MAX_PAGES) this.pages.clear();
    this.pages.set(query, page);
    page.catch(() => {
      if (this.pages.get(query) === page) this.pages.delete(query);
    });
    return page;
  }

  forget(): void {
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
