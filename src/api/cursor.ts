import { z } from 'zod';
import type { ViolationCursor } from '../db/violations.js';
import { badRequest } from './problem.js';
import { isoTime } from './schemas.js';

const cursorShape = z.tuple([isoTime, z.uuid()]);

/** Opaque to clients: base64url of `[startTime, id]`. */
export function encodeCursor(c: ViolationCursor): string {
  return Buffer.from(JSON.stringify([c.startTime.toISOString(), c.id])).toString('base64url');
}

export function decodeCursor(raw: string): ViolationCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('cursor is not one this API issued', { pointer: '/cursor' });
  }
  const parsed = cursorShape.safeParse(value);
  if (!parsed.success) throw badRequest('cursor is not one this API issued', { pointer: '/cursor' });
  return { startTime: new Date(parsed.data[0]), id: parsed.data[1] };
}
