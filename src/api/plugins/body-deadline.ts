import { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * How long the body of an authorised request to this route may take to arrive, ms, counted from the
     * request's start (streamed uploads); absent = the app's bodyTimeoutMs.
     */
    bodyTimeoutMs?: number;
  }
}

/**
 * Node's own requestTimeout is one value for the whole server, and uploads need far longer than JSON
 * bodies. So each request gets its own deadline: `bodyTimeoutMs` from its start for every request
 * (refused ones too, whose unread bodies Node would go on reading), lengthened to the route's
 * `config.bodyTimeoutMs` once auth has let the caller through. A body still incomplete at its deadline
 * is answered 408 if nothing has been answered yet, and its connection is closed.
 */
async function bodyDeadline(app: FastifyInstance, opts: { bodyTimeoutMs: number }): Promise<void> {
  interface Deadline {
    startedAt: number;
    timer: NodeJS.Timeout;
    /** the handler streams the body itself (an upload): no content parser read it first */
    handlerReads: boolean;
  }
  const deadlines = new WeakMap<FastifyRequest, Deadline>();

  const cutOff = (request: FastifyRequest, reply: FastifyReply, limitMs: number) => {
    if (request.raw.complete || request.raw.destroyed) return;
    request.log.info({ limitMs }, 'request body too slow: closing the connection');
    const abort = () => request.raw.destroy(new Error(`request body not received within ${limitMs} ms`));
    // answered already (refused), and Node is reading the rest of the body to drop it
    if (reply.sent) {
      abort();
      return;
    }
    // Node closes the connection after a `connection: close` response; a handler still reading the body
    // is failed too, so that it cleans up (Node detaches the request from its socket once answered).
    if (deadlines.get(request)?.handlerReads) reply.raw.once('finish', abort);
    void reply.header('connection', 'close').send(
      new HttpProblem(408, '/problems/request-timeout', `the request body did not arrive within ${limitMs / 1000} s`, {
        limitMs,
      }),
    );
  };

  const arm = (request: FastifyRequest, reply: FastifyReply, limitMs: number, deadline: Omit<Deadline, 'timer'>) => {
    const timer = setTimeout(() => cutOff(request, reply, limitMs), deadline.startedAt + limitMs - performance.now());
    timer.unref();
    deadlines.set(request, { ...deadline, timer });
  };

  app.addHook('onRequest', (request, reply, done) => {
    // Injected requests (tests) carry their whole body and have no socket to hold.
    if (!request.raw.complete && request.raw.socket instanceof Socket)
      arm(request, reply, opts.bodyTimeoutMs, { startedAt: performance.now(), handlerReads: false });
    done();
  });
  // Runs after auth: only a caller allowed on the route gets the route's longer deadline.
  app.addHook('preHandler', (request, reply, done) => {
    const deadline = deadlines.get(request);
    if (deadline && !request.raw.complete) {
      clearTimeout(deadline.timer);
      const limitMs = request.routeOptions.config.bodyTimeoutMs ?? opts.bodyTimeoutMs;
      arm(request, reply, limitMs, { startedAt: deadline.startedAt, handlerReads: true });
    }
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    // A refused request whose body is still arriving keeps its deadline: Node reads and drops that body.
    if (request.raw.complete) clearTimeout(deadlines.get(request)?.timer);
    done();
  });
}

export default fp(bodyDeadline, { name: 'body-deadline', fastify: '5.x' });
