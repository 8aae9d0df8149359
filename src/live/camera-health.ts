import type { PrismaClient } from '../db/client.js';
import type { HealthUpdate } from './feed-recorder.js';

/** Writes a recorder's health updates into camera_health (one row per camera). */
export function cameraHealthWriter(prisma: PrismaClient, cameraId: string): (u: HealthUpdate) => Promise<void> {
  return async (u) => {
    const now = new Date();
    const errorFields = u.error !== undefined ? { lastError: u.error.slice(0, 2000), lastErrorAt: now } : {};
    const segmentFields = u.segment ? { lastSegmentAt: u.segment.at, fps: u.segment.fps } : {};
    await prisma.cameraHealth.upsert({
      where: { cameraId },
      create: {
        cameraId,
        status: u.status,
        reconnects: u.reconnect ? 1 : 0,
        segmentsRecorded: u.segment ? 1 : 0,
        ...errorFields,
        ...segmentFields,
      },
      update: {
        status: u.status,
        ...(u.reconnect ? { reconnects: { increment: 1 } } : {}),
        ...(u.segment ? { segmentsRecorded: { increment: 1 } } : {}),
        ...errorFields,
        ...segmentFields,
      },
    });
  };
}
