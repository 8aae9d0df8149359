import { signWarning, type SignWarning } from '../core/sign-warning.js';
import type { PrismaClient } from '../db/client.js';
import { getSignSettings, type SignCue } from '../db/signs.js';

/** The cue with the camera's sign settings applied; null when the camera is gone. */
export async function loadSignWarning(prisma: PrismaClient, cue: SignCue): Promise<SignWarning | null> {
  const [camera, settings] = await Promise.all([
    prisma.camera.findUnique({ where: { id: cue.cameraId }, select: { timezone: true } }),
    getSignSettings(prisma, cue.cameraId),
  ]);
  if (!camera) return null;
  return {
    plate: cue.plate,
    zoneKind: cue.zoneKind,
    time: cue.time,
    timezone: camera.timezone,
    warning: signWarning(settings.warningText, cue.zoneKind),
    displaySeconds: settings.displaySeconds,
    speak: settings.speak,
  };
}
