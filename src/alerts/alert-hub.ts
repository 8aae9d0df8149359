import { EventEmitter } from 'node:events';
import type { SignWarning } from '../core/sign-warning.js';
import type { ViolationAlert } from './violation-alert.js';

/** In-process fan-out from the violation listener to every open SSE stream: alerts, and warnings for signs. */
export class AlertHub {
  private readonly emitter = new EventEmitter();
  /** each camera's latest warning and when it clears, so that a sign (re)connecting meanwhile shows it too */
  private readonly showing = new Map<string, { warning: SignWarning; until: number }>();

  constructor() {
    // One listener per connected sign or sign controller; there is no leak to warn about.
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

  publishSign(cameraId: string, warning: SignWarning): void {
    this.showing.set(cameraId, { warning, until: Date.now() + warning.displaySeconds * 1000 });
    this.emitter.emit(`sign:${cameraId}`, warning);
  }

  /** Returns the unsubscribe function. */
  subscribeSign(cameraId: string, listener: (warning: SignWarning) => void): () => void {
    this.emitter.on(`sign:${cameraId}`, listener);
    return () => this.emitter.off(`sign:${cameraId}`, listener);
  }

  /** The camera's warning still on display, with the seconds it has left; undefined when its sign is clear. */
  signShowing(cameraId: string, now = Date.now()): SignWarning | undefined {
    const shown = this.showing.get(cameraId);
    if (!shown || shown.until <= now) return undefined;
    return { ...shown.warning, displaySeconds: Math.ceil((shown.until - now) / 1000) };
  }

  get subscribers(): number {
    return this.emitter.listenerCount('alert');
  }
}
