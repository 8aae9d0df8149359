import { EventEmitter } from 'node:events';
import type { ViolationAlert } from './violation-alert.js';

/** In-process fan-out from the violation listener to every open SSE stream. */
export class AlertHub {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per connected sign controller; there is no leak to warn about.
    this.emitter.setMaxListeners(0);
  }

  publish(alert: ViolationAlert): void {
    this.emitter.emit('alert', alert);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (alert: ViolationAlert) => void): () => void {
    this.emitter.on('alert', listener);
    return () => this.emitter.off('alert', listener);
  }

  get subscribers(): number {
    return this.emitter.listenerCount('alert');
  }
}
