import type { Camera } from '../generated/prisma/client.js';
import type { CameraConfig } from '../core/camera-config.js';
import { cameraDataFromConfig, createCamera } from '../db/cameras.js';
import type { PrismaClient } from '../db/client.js';
import { createZone, listZones, updateZone, zoneDataFromConfig, zoneMatches } from '../db/zones.js';

/**
 * The camera named in a camera file, created if new; each of the file's zones is created or brought in line with
 * the file (so a changed rule parameter takes effect, and changes the analysis config hash). Zones the file does
 * not name are left as they are.
 */
export async function syncCameraFromFile(prisma: PrismaClient, file: CameraConfig, actor: string): Promise<Camera> {
  const camera =
    (await prisma.camera.findUnique({ where: { name: file.name } })) ??
    (await createCamera(prisma, cameraDataFromConfig(file), actor));
  const existing = new Map((await listZones(prisma, camera.id)).map((z) => [z.name, z]));
  for (const zone of file.zones) {
    const data = zoneDataFromConfig(zone);
    const row = existing.get(zone.name);
    if (!row) {
      await createZone(prisma, camera.id, data, actor);
      continue;
    }
    if (!zoneMatches(row, data)) await updateZone(prisma, row.id, data, actor);
  }
  return camera;
}
