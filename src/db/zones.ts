import type { ZoneConfig, ZoneConfigInput } from '../core/camera-config.js';
import { Prisma, type Zone, type ZoneKind } from '../generated/prisma/client.js';
import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';

export interface ZoneData {
  name: string;
  kind: ZoneKind;
  polygon: [number, number][];
  schedule?: { days: number[]; start: string; end: string }[] | null;
  minDwellSeconds: number;
  minDisplacement: number;
  allowedDirectionDeg?: number | null;
  directionToleranceDeg: number;
  classes: string[];
  requireRider: boolean;
}

/**
 * The one mapping between the camera file's zone (rules nested, as the analysis reads it) and the
 * zones table's flat columns (as the API takes and returns them).
 */
export function zoneDataFromConfig(z: ZoneConfig): Required<ZoneData> {
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

/** A stored zone in the camera file's shape (to be parsed with the camera schema). */
export function zoneConfigFromRow(zone: Zone): ZoneConfigInput {
  return {
    name: zone.name,
    kind: zone.kind,
    polygon: zone.polygon as ZoneConfigInput['polygon'],
    ...(zone.schedule === null ? {} : { schedule: zone.schedule as ZoneConfigInput['schedule'] }),
    rules: {
      minDwellSeconds: zone.minDwellSeconds,
      minDisplacement: zone.minDisplacement,
      allowedDirectionDeg: zone.allowedDirectionDeg,
      directionToleranceDeg: zone.directionToleranceDeg,
      classes: zone.classes as NonNullable<ZoneConfigInput['rules']>['classes'],
      requireRider: zone.requireRider,
    },
  };
}

/** Whether a stored zone already holds `data`. */
export function zoneMatches(row: Zone, data: Required<ZoneData>): boolean {
  return (
    row.kind === data.kind &&
    JSON.stringify(row.polygon) === JSON.stringify(data.polygon) &&
    JSON.stringify(row.schedule ?? null) === JSON.stringify(data.schedule) &&
    row.minDwellSeconds === data.minDwellSeconds &&
    row.minDisplacement === data.minDisplacement &&
    (row.allowedDirectionDeg ?? null) === data.allowedDirectionDeg &&
    row.directionToleranceDeg === data.directionToleranceDeg &&
    JSON.stringify(row.classes) === JSON.stringify(data.classes) &&
    row.requireRider === data.requireRider
  );
}

/** Json columns take Prisma.DbNull for SQL NULL; `undefined` leaves the column untouched. */
function toColumns<T extends Partial<ZoneData>>(data: T) {
  const { schedule, ...rest } = data;
  return {
    ...rest,
    ...(schedule === undefined ? {} : { schedule: schedule === null ? (Prisma.DbNull as never) : schedule }),
  };
}

export function listZones(prisma: PrismaClient, cameraId: string): Promise<Zone[]> {
  return prisma.zone.findMany({ where: { cameraId }, orderBy: { name: 'asc' } });
}

export function getZone(prisma: PrismaClient, id: string): Promise<Zone | null> {
  return prisma.zone.findUnique({ where: { id } });
}

export async function createZone(prisma: PrismaClient, cameraId: string, data: ZoneData, actor: string): Promise<Zone> {
  return prisma.$transaction(async (tx) => {
    const zone = await tx.zone.create({
      data: { ...toColumns(data), name: data.name, kind: data.kind, polygon: data.polygon, cameraId },
    });
    await appendAudit(tx, {
      actor,
      action: 'zone.create',
      entityType: 'zone',
      entityId: zone.id,
      details: { cameraId, name: zone.name, kind: zone.kind, polygon: data.polygon },
    });
    return zone;
  });
}

/** null when the zone does not exist. */
export async function updateZone(
  prisma: PrismaClient,
  id: string,
  data: Partial<ZoneData>,
  actor: string,
): Promise<Zone | null> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.zone.findUnique({ where: { id } });
    if (!before) return null;
    const zone = await tx.zone.update({ where: { id }, data: toColumns(data) });
    await appendAudit(tx, {
      actor,
      action: 'zone.update',
      entityType: 'zone',
      entityId: id,
      details: {
        cameraId: zone.cameraId,
        changes: data,
        previous: { name: before.name, kind: before.kind, polygon: before.polygon },
      },
    });
    return zone;
  });
}

/** Violations keep their zone's name and kind (denormalised) and lose only the link. */
export async function deleteZone(prisma: PrismaClient, id: string, actor: string): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const zone = await tx.zone.findUnique({ where: { id } });
    if (!zone) return false;
    await tx.zone.delete({ where: { id } });
    await appendAudit(tx, {
      actor,
      action: 'zone.delete',
      entityType: 'zone',
      entityId: id,
      details: { cameraId: zone.cameraId, name: zone.name, kind: zone.kind, polygon: zone.polygon },
    });
    return true;
  });
}
