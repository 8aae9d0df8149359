import { parseCameraConfig, type CameraConfig } from '../core/camera-config.js';
import type { Camera, Prisma, Zone } from '../generated/prisma/client.js';
import { zoneConfigFromRow } from './zones.js';
import { startOfLocalDay } from '../core/wall-clock.js';
import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';
import { redactUrl } from '../core/redact.js';

export type CameraCreate = Pick<
  Prisma.CameraCreateInput,
  'name' | 'sourceUrl' | 'timezone' | 'enabled' | 'frameWidth' | 'frameHeight' | 'plateFormat'
> &
  Partial<Pick<Prisma.CameraCreateInput, 'address' | 'latitude' | 'longitude'>>;
export type CameraUpdate = Partial<CameraCreate>;

/** The one mapping from a camera file's camera (its zones apart) to the cameras table's columns. */
export function cameraDataFromConfig(file: CameraConfig): CameraCreate {
  return {
    name: file.name,
    timezone: file.timezone,
    enabled: file.enabled,
    sourceUrl: file.sourceUrl ?? null,
    frameWidth: file.frameWidth ?? null,
    frameHeight: file.frameHeight ?? null,
    plateFormat: file.plateFormat,
  };
}

/** A stored camera with its zones as the camera file the analysis reads. */
export function cameraConfigFromRow(camera: Camera, zones: readonly Zone[]): CameraConfig {
  return parseCameraConfig({
    name: camera.name,
    timezone: camera.timezone,
    enabled: camera.enabled,
    plateFormat: camera.plateFormat,
    ...(camera.sourceUrl ? { sourceUrl: camera.sourceUrl } : {}),
    ...(camera.frameWidth ? { frameWidth: camera.frameWidth } : {}),
    ...(camera.frameHeight ? { frameHeight: camera.frameHeight } : {}),
    zones: zones.map(zoneConfigFromRow),
  });
}

export interface CameraHealth {
  lastSegmentAt: Date | null;
  lastError: string | null;
  segmentsToday: number;
}

/** The live recorder's report on a camera (camera_health); a camera no recorder has run for reads as stopped. */
export async function feedHealth(prisma: PrismaClient, camera: Pick<Camera, 'id' | 'sourceUrl'>) {
  const health = await prisma.cameraHealth.findUnique({ where: { cameraId: camera.id } });
  return {
    cameraId: camera.id,
    sourceUrl: camera.sourceUrl,
    recorded: health !== null,
    status: health?.status ?? 'stopped',
    lastSegmentAt: health?.lastSegmentAt ?? null,
    fps: health?.fps ?? null,
    segmentsRecorded: health?.segmentsRecorded ?? 0,
    reconnects: health?.reconnects ?? 0,
    lastError: health?.lastError ?? null,
    lastErrorAt: health?.lastErrorAt ?? null,
    updatedAt: health?.updatedAt ?? null,
  };
}

export function listCameras(prisma: PrismaClient): Promise<Camera[]> {
  return prisma.camera.findMany({ orderBy: { name: 'asc' } });
}

export function getCamera(prisma: PrismaClient, id: string): Promise<Camera | null> {
  return prisma.camera.findUnique({ where: { id } });
}

/** Last segment, last failure and today's segment count, for the ops camera list. */
export async function cameraHealth(prisma: PrismaClient, camera: Camera, now = new Date()): Promise<CameraHealth> {
  const [last, lastFailed, segmentsToday] = await Promise.all([
    prisma.segment.findFirst({
      where: { cameraId: camera.id },
      orderBy: { startTime: 'desc' },
      select: { startTime: true },
    }),
    prisma.segment.findFirst({
      where: { cameraId: camera.id, status: 'failed' },
      orderBy: { updatedAt: 'desc' },
      select: { error: true },
    }),
    prisma.segment.count({
      where: { cameraId: camera.id, createdAt: { gte: startOfLocalDay(now, camera.timezone) } },
    }),
  ]);
  return { lastSegmentAt: last?.startTime ?? null, lastError: lastFailed?.error ?? null, segmentsToday };
}

export async function createCamera(prisma: PrismaClient, data: CameraCreate, actor: string): Promise<Camera> {
  return prisma.$transaction(async (tx) => {
    const camera = await tx.camera.create({ data });
    await appendAudit(tx, {
      actor,
      action: 'camera.create',
      entityType: 'camera',
      entityId: camera.id,
      details: { name: camera.name },
    });
    return camera;
  });
}

/** null when the camera does not exist. */
export async function updateCamera(
  prisma: PrismaClient,
  id: string,
  data: CameraUpdate,
  actor: string,
): Promise<Camera | null> {
  return prisma.$transaction(async (tx) => {
    const found = await tx.camera.findUnique({ where: { id } });
    if (!found) return null;
    const camera = await tx.camera.update({ where: { id }, data });
    await appendAudit(tx, {
      actor,
      action: 'camera.update',
      entityType: 'camera',
      entityId: id,
      // a source URL's password stays out of the log
      details: { changes: data.sourceUrl ? { ...data, sourceUrl: redactUrl(data.sourceUrl) } : data },
    });
    return camera;
  });
}

export type CameraDeleteResult = 'deleted' | 'not_found' | 'has_segments';

/** A camera whose footage is on record stays (the evidence trail needs it); disable it instead. */
export async function deleteCamera(prisma: PrismaClient, id: string, actor: string): Promise<CameraDeleteResult> {
  return prisma.$transaction(async (tx) => {
    const camera = await tx.camera.findUnique({
      where: { id },
      include: { _count: { select: { segments: true, zones: true } } },
    });
    if (!camera) return 'not_found';
    if (camera._count.segments > 0) return 'has_segments';
    await tx.camera.delete({ where: { id } });
    await appendAudit(tx, {
      actor,
      action: 'camera.delete',
      entityType: 'camera',
      entityId: id,
      details: { name: camera.name, zonesDeleted: camera._count.zones },
    });
    return 'deleted';
  });
}
