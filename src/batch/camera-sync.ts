import type { Camera } from '../generated/prisma/client.js';
import type { CameraConfig, ZoneConfig } from '../core/camera-config.js';
import { createCamera } from '../db/cameras.js';
import type { PrismaClient } from '../db/client.js';
import { createZone, listZones, updateZone, type ZoneData } from '../db/zones.js';

function zoneData(z: ZoneConfig): ZoneData {
  return {
    name: z.name,
    kind: z.kind,
    polygon: z.polygon,
    schedule: z.schedule ?? null,
    minDwellSeconds: z.rules.minDwellSeconds,
    minDisplacement: z.rules.minDisplacement,
    allowedDirectionDeg: z.rules.allowedDirectionDeg ?? null,
    directionToleranceDeg: z.rules.directionToleranceDeg,
    classes: z.rules.classes,
    requireRider: z.rules.requireRider,
  };
}

/**
 * The camera named in a camera file, created if new; each of the file's zones is created or brought in line with
 * the file (so a changed rule parameter takes effect, and changes the analysis config hash). Zones the file does
 * not name are left as they are.
 */
export async function syncCameraFromFile(prisma: PrismaClient, file: CameraConfig, actor: string): Promise<Camera> {
  const camera =
    (await prisma.camera.findUnique({ where: { name: file.name } })) ??
    (await createCamera(
      prisma,
      {
        name: file.name,
        timezone: file.timezone,
        enabled: file.enabled,
        sourceUrl: file.sourceUrl ?? null,
        frameWidth: file.frameWidth ?? null,
        frameHeight: file.frameHeight ?? null,
        plateFormat: file.plateFormat,
      },
      actor,
    ));
  const existing = new Map((await listZones(prisma, camera.id)).map((z) => [z.name, z]));
  for (const zone of file.zones) {
    const data = zoneData(zone);
    const row = existing.get(zone.name);
    if (!row) {
      await createZone(prisma, camera.id, data, actor);
      continue;
    }
    const same =
      row.kind === data.kind &&
      JSON.stringify(row.polygon) === JSON.stringify(data.polygon) &&
      JSON.stringify(row.schedule ?? null) === JSON.stringify(data.schedule) &&
      row.minDwellSeconds === data.minDwellSeconds &&
      row.minDisplacement === data.minDisplacement &&
      (row.allowedDirectionDeg ?? null) === data.allowedDirectionDeg &&
      row.directionToleranceDeg === data.directionToleranceDeg &&
      JSON.stringify(row.classes) === JSON.stringify(data.classes) &&
      row.requireRider === data.requireRider;
    if (!same) await updateZone(prisma, row.id, data, actor);
  }
  return camera;
}
