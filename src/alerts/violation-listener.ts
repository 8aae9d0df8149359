import pg from 'pg';
import { SIGN_CUE_CHANNEL } from '../db/signs.js';
import type { Logger } from '../logger.js';

export const VIOLATION_CHANNEL = 'violation_recorded';

export interface ViolationListenerOptions {
  databaseUrl: string;
  logger: Logger;
  onViolation: (violationId: string) => void;
  /** a warning sign's cue, as the analysis worker sent it (JSON, see db/signs.ts) */
  onSignCue: (payload: string) => void;
  /** after every (re)connect: notifications sent while disconnected are lost, so callers sweep the table */
  onConnected: () => void;
  reconnectMs?: number;
}

/**
 * LISTENs on the channel the violations trigger notifies (see the batches_live_alerts migration) and on the one
 * the analysis worker sends warning-sign cues on. One dedicated
 * connection; on loss it reconnects and calls onConnected so the caller can catch up from the table.
 */
export class ViolationListener {
  private client: pg.Client | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: ViolationListenerOptions) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.databaseUrl });
    client.on('notification', (msg) => {
      if (!msg.payload) return;
      if (msg.channel === VIOLATION_CHANNEL) this.o.onViolation(msg.payload);
      else if (msg.channel === SIGN_CUE_CHANNEL) this.o.onSignCue(msg.payload);
    });
    client.on('error', (err) => {
      this.o.logger.warn({ err }, 'violation listener connection lost');
      this.scheduleReconnect(client);
    });
    client.on('end', () => this.scheduleReconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${VIOLATION_CHANNEL}`);
      await client.query(`LISTEN ${SIGN_CUE_CHANNEL}`);
    } catch (err) {
      this.o.logger.warn({ err }, 'violation listener could not connect');
      this.scheduleReconnect(client);
      return;
    }
    this.client = client;
    this.o.onConnected();
  }

  private scheduleReconnect(client: pg.Client): void {
    if (this.closed || this.timer || (this.client !== null && this.client !== client)) return;
    this.client = null;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.o.reconnectMs ?? 2000);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
