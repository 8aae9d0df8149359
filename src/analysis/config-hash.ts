import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal configurations hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** sha256 of everything that changes what an analysis finds: the camera (zones, rules), the rate and the detector. */
export function analysisConfigHash(camera: unknown, fps: number, detector: string): string {
  return createHash('sha256').update(canonicalJson({ camera, fps, detector })).digest('hex');
}
