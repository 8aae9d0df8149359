import { pino, type Logger } from 'pino';

export type { Logger };

/** `level` comes from the caller's configuration (LOG_LEVEL, whose default src/config.ts holds). */
export function createLogger(level: string, name = 'motoguard'): Logger {
  return pino({ name, level, redact: ['req.headers.authorization', 'headers.authorization'] });
}
