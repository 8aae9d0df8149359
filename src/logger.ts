import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * `level` comes from the caller's configuration (LOG_LEVEL, whose default src/config.ts holds); `destination`
 * defaults to stdout. Credentials in headers never reach the log.
 */
export function createLogger(level: string, name = 'motoguard', destination?: DestinationStream): Logger {
  const redact = ['req.headers.authorization', 'headers.authorization', 'req.headers.cookie', 'headers.cookie'];
  return destination ? pino({ name, level, redact }, destination) : pino({ name, level, redact });
}
