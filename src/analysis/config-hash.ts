import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';

/** sha256 of everything that changes what an analysis finds: the camera (zones, rules), the rate and the detector. */
export function analysisConfigHash(camera: unknown, fps: number, detector: string): string {
  return createHash('sha256').update(canonicalJson({ camera, fps, detector })).digest('hex');
}
