import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

/** The console's session cookie: httpOnly (no script reads it), SameSite=Strict, Path=/ (the API is at the root). */
export const SESSION_COOKIE = 'mg_session';

export function sessionToken(request: FastifyRequest): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  return parseCookie(header)[SESSION_COOKIE] || null;
}

function secure(request: FastifyRequest, setting: Config['SESSION_COOKIE_SECURE']): boolean {
  return setting === 'always' || (setting === 'auto' && request.protocol === 'https');
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  config: Pick<Config, 'SESSION_COOKIE_SECURE' | 'SESSION_MAX_HOURS'>,
): void {
  reply.header(
    'set-cookie',
    stringifySetCookie({
      name: SESSION_COOKIE,
      value: token,
      httpOnly: true,
      sameSite: 'strict',
      secure: secure(request, config.SESSION_COOKIE_SECURE),
      path: '/',
      maxAge: Math.floor(config.SESSION_MAX_HOURS * 3600),
    }),
  );
}

export function clearSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  config: Pick<Config, 'SESSION_COOKIE_SECURE'>,
): void {
  reply.header(
    'set-cookie',
    stringifySetCookie({
      name: SESSION_COOKIE,
      value: '',
      httpOnly: true,
      sameSite: 'strict',
      secure: secure(request, config.SESSION_COOKIE_SECURE),
      path: '/',
      maxAge: 0,
    }),
  );
}
