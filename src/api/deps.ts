import type { Config } from '../config.js';
import type { PrismaClient } from '../db/client.js';
import { userActor } from '../db/users.js';
import type { Logger } from '../logger.js';
import type { AnalyzeSegmentQueue } from '../queue/queues.js';
import type { ApiRuntime } from './runtime.js';

/** What every API route plugin receives as its options (see the note at the top of app.ts). */
export interface ApiDeps {
  prisma: PrismaClient;
  /** the `analyze-segment` BullMQ queue */
  queue: AnalyzeSegmentQueue;
  config: Config;
  logger: Logger;
}

/** What route modules receive: the process's dependencies and the connections opened when the server starts. */
export interface RouteDeps extends ApiDeps {
  runtime: ApiRuntime;
}

export type ApiRole = 'officer' | 'ops' | 'admin';

/** The caller, as established by the auth plugin: an API key (machines, scripts) or a signed-in console user. */
export type ApiPrincipal =
  | { kind: 'key'; id: string; role: ApiRole; label: string; prefix: string }
  | {
      kind: 'user';
      id: string;
      role: ApiRole;
      /** the user's display name */
      label: string;
      username: string;
      sessionId: string;
      csrfToken: string;
    };

/** How audit rows name an API caller. */
export function actorOf(p: ApiPrincipal): string {
  return p.kind === 'key' ? `api-key:${p.id}` : userActor(p.id);
}
