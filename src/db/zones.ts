import { Prisma, type Zone, type ZoneKind } from '../generated/prisma/client.js';
import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';

export interface ZoneData {
  name: string;
  kind: ZoneKind;
  polygon: [number, number][];
  schedule?: { days: number[]; start: string; end: string }[] | null;
  minDwellSeconds?: number;
  minDisplacement?: number;
  allowedDirectionDeg?: number | null;
  directionToleranceDeg?: number;
  classes?: string[];
  requireRider?: boolean;
}

/** Json columns take Prisma.DbNull for SQL NULL; `undefined` leaves the column untouched. */
function toColumns(data: Partial<ZoneData>) {
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
    const zone = await tx.zone.create({ data: { ...toColumns(data), name: data.name, kind: data.kind, polygon: data.polygon, cameraId } });
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
export async function updateZone(prisma: PrismaClient, id: string, data: Partial<ZoneData>, actor: string): Promise<Zone | null> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.zone.findUnique({ where: { id } });
    if (!before) return null;
    const zone = await tx.zone.update({ where: { id }, data: toColumns(data) });
    await appendAudit(tx, {
      actor,
      action: 'zone.update',
      entityType: 'zone',
      entityId: id,
      details: { cameraId: zone.cameraId, changes: data, previous: { name: before.name, kind: before.kind, polygon: before.polygon } },
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
