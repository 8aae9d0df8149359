/** Shared vocabulary of the pure core. Pixel boxes are in the coordinates of the analysed frame. */

/** Axis-aligned box, pixels: x1,y1 top-left, x2,y2 bottom-right. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A point [x, y]. In zone polygons the values are normalised 0..1 (x right, y down). */
export type Point = readonly [number, number];

/** COCO class names the pipeline cares about; detectors map their indices to these. */
export type ObjectClass = 'person' | 'bicycle' | 'car' | 'motorcycle' | 'bus' | 'truck';

/** Score per class for one object, where a detector reported several classes for it. */
export type ClassScores = Partial<Record<ObjectClass, number>>;

export interface Detection {
  box: Box;
  score: number;
  label: ObjectClass;
  /** every class seen for this object (set by road-user fusion; absent = only `label`) */
  classScores?: ClassScores;
  /** a person was seen riding it (set by road-user fusion) */
  ridden?: boolean;
  /** colour signature of the box's pixels, for telling neighbours apart (see appearance.ts) */
  appearance?: Float32Array;
}

/** One decoded frame of a segment, packed RGB (3 bytes per pixel, row-major). */
export interface RgbFrame {
  index: number;
  /** seconds from the start of the segment */
  timestamp: number;
  width: number;
  height: number;
  data: Uint8Array;
}

export type ZoneKind = 'sidewalk' | 'crosswalk' | 'park' | 'restricted_road' | 'other';
