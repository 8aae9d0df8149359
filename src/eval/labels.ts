import { z } from 'zod';
import { cameraConfigSchema } from '../core/camera-config.js';

/**
 * Ground truth for one clip of `../shared/footage`, labelled by looking at its frames. Boxes are
 * normalised 0..1 of the full frame (x right, y down) and hold the whole two-wheeler with its rider.
 */

const normBox = z
  .tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)])
  .refine(([x1, y1, x2, y2]) => x2 > x1 && y2 > y1, 'box must be [x1, y1, x2, y2] with x2 > x1 and y2 > y1');

export const labelledBoxSchema = z.strictObject({
  /** seconds from the start of the clip */
  t: z.number().min(0),
  box: normBox,
});

export const riderLabelSchema = z.strictObject({
  id: z.string().min(1),
  zone: z.string().min(1),
  class: z.enum(['motorcycle', 'bicycle']),
  /** rough time the vehicle enters the zone (or the clip starts with it inside) */
  entrySec: z.number().min(0),
  exitSec: z.number().min(0),
  /** where the vehicle is at a few instants of its stay, in time order */
  boxes: z.array(labelledBoxSchema).min(1),
  /**
   * A case a reviewer would accept either way (e.g. in the zone for under a second at the clip's
   * edge, or too far away to read as a vehicle): neither missing it nor flagging it counts.
   */
  optional: z.boolean().default(false),
  note: z.string().optional(),
});

/** Something that must not be flagged: a parked bike, a bike pushed on foot, a bicycle. */
export const mustNotFlagSchema = z.strictObject({
  what: z.string().min(1),
  zone: z.string().min(1).optional(),
  boxes: z.array(labelledBoxSchema).min(1),
});

export const clipLabelsSchema = z
  .strictObject({
    /** file name inside the footage folder */
    clip: z.string().min(1),
    /** a clip where nothing at all may be flagged */
    negative: z.boolean(),
    description: z.string().min(1),
    camera: cameraConfigSchema,
    riders: z.array(riderLabelSchema),
    mustNotFlag: z.array(mustNotFlagSchema).default([]),
  })
  .superRefine((labels, ctx) => {
    const zones = new Set(labels.camera.zones.map((zone) => zone.name));
    labels.riders.forEach((rider, i) => {
      if (!zones.has(rider.zone))
        ctx.addIssue({
          code: 'custom',
          message: `zone "${rider.zone}" is not in the camera`,
          path: ['riders', i, 'zone'],
        });
      if (rider.exitSec < rider.entrySec)
        ctx.addIssue({ code: 'custom', message: 'exitSec is before entrySec', path: ['riders', i, 'exitSec'] });
      if (labels.negative && rider.class === 'motorcycle' && !rider.optional) {
        ctx.addIssue({
          code: 'custom',
          message: 'a negative clip cannot hold a ridden motorcycle',
          path: ['riders', i, 'class'],
        });
      }
    });
  });

export type LabelledBox = z.infer<typeof labelledBoxSchema>;
export type RiderLabel = z.infer<typeof riderLabelSchema>;
export type MustNotFlag = z.infer<typeof mustNotFlagSchema>;
export type ClipLabels = z.infer<typeof clipLabelsSchema>;
