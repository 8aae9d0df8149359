import pg from 'pg';
import type { Logger } from '../logger.js';

const RECONNECT_MS = 2000;

export interface ChangeListenerOptions {
  databaseUrl: string;
  channels: readonly string[];
  logger: Logger;
  /** what is lost while down, for the log */
  whileDown: string;
  onNotification: (channel: string, payload: string) => void;
  /** connected anew, and listening: what was notified while nobody listened went unheard */
  onConnected?: () => void;
  /** the connection is lost or closed: nothing is heard until onConnected */
  onLost?: () => void;
}

/**
 * One LISTEN connection on some channels: triggers and processes NOTIFY at commit, and `onNotification` runs for
 * each. Caches of rows empty on every notification and whenever changes may go unheard (onConnected, onLost); the
 * alert dispatcher sweeps its table on onConnected. While the connection is down `listening` is false; it reconnects
 * every two seconds.
 */
export class ChangeListener {
  private client: pg.Client | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<boolean> | null = null;
  private nextSync: Promise<boolean> | null = null;
  listening = false;

  constructor(private readonly o: ChangeListenerOptions) {}

  async start(): Promise<void> {
    // named, so that ops (and tests) can tell it in pg_stat_activity
    const client = new pg.Client({
      connectionString: this.o.databaseUrl,
      application_name: `motoguard listen ${this.o.channels.join(' ')}`,
    });
    client.on('notification', (n) => this.o.onNotification(n.channel, n.payload ?? ''));
    client.on('error', (err) => {
      this.o.logger.warn({ err }, `change listener connection lost; ${this.o.whileDown}`);
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      for (const channel of this.o.channels) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      this.o.logger.warn({ err }, `change listener could not connect; ${this.o.whileDown}`);
      this.reconnect(client);
      return;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    this.listening = true;
    this.o.onConnected?.();
  }

  /**
   * Resolves once every notification of a transaction committed before the call has been handled: Postgres hands a
   * listening session its notifications before it answers that session's next query. False when not listening.
   * Callers that arrive while one round trip is out share the next one, which starts after theirs arrived.
   */
  sync(): Promise<boolean> {
    if (!this.syncing) return (this.syncing = this.roundTrip());
    this.nextSync ??= this.syncing.then(() => {
      this.syncing = this.nextSync;
      this.nextSync = null;
      return this.roundTrip();
    });
    return this.nextSync;
  }

  private async roundTrip(): Promise<boolean> {
    const client = this.client;
    try {
      if (!client || !this.listening) return false;
      await client.query('SELECT 1');
      return this.listening && this.client === client;
    } catch {
      return false;
    } finally {
      if (!this.nextSync) this.syncing = null;
    }
  }

  private reconnect(client: pg.Client): void {
    this.listening = false;
    this.o.onLost?.();
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
    this.o.onLost?.();
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
