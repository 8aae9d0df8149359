import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { projectRoot } from '../config.js';

/** Where `npm run build:web` (vite, src/web/vite.config.ts) writes the console. */
export const WEB_DIST = path.join(projectRoot, 'dist', 'web');

/** Client routes live under /console so a reload never lands on an API path such as /cameras. */
const CONSOLE_PREFIX = '/console';

/**
 * The console only talks to its own origin; evidence is fetched with the key and shown through blob:
 * URLs, so nothing else needs allowing.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function sendPage(reply: FastifyReply, html: string): FastifyReply {
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .send(html);
}

/**
 * Serves the built console: hashed assets under /assets (cached for good), and index.html at `/` and
 * for every path under /console (the SPA fallback); and the warning sign's page at /sign/:cameraId.
 * Public: the console signs in with the user's key, the sign connects with its token.
 */
export default async function webConsole(app: FastifyInstance, opts: { distDir?: string } = {}): Promise<void> {
  const distDir = opts.distDir ?? WEB_DIST;
  const indexFile = path.join(distDir, 'index.html');
  if (!existsSync(indexFile)) {
    app.log.warn({ distDir }, 'web console not built; run `npm run build:web`');
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The web console has not been built. Run `npm run build:web`, then restart the API.'),
    );
    return;
  }
  const html = readFileSync(indexFile, 'utf8');
  const signFile = path.join(distDir, 'sign.html');
  // built with the console; missing only from a build older than the sign
  const signHtml = existsSync(signFile) ? readFileSync(signFile, 'utf8') : null;

  await app.register(fastifyStatic, {
    root: path.join(distDir, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    immutable: true,
    maxAge: '365d',
    index: false,
  });
  const page = { schema: { hide: true } };
  app.get('/', page, async (_request, reply) => sendPage(reply, html));
  app.get(CONSOLE_PREFIX, page, async (_request, reply) => sendPage(reply, html));
  app.get(`${CONSOLE_PREFIX}/*`, page, async (_request, reply) => sendPage(reply, html));
  // The warning sign beside a camera: its own small page; its token comes in the URL's fragment.
  app.get('/sign/:cameraId', page, async (_request, reply) =>
    signHtml === null
      ? reply.code(503).type('text/plain; charset=utf-8').send('Run `npm run build:web`, then restart the API.')
      : sendPage(reply, signHtml),
  );
}
