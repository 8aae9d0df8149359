import type { ObjectClass } from '../core/types.js';

/** The COCO-80 ids the pipeline keeps; every other class is dropped by the detectors. */
export const COCO_TO_CLASS: ReadonlyMap<number, ObjectClass> = new Map<number, ObjectClass>([
  [0, 'person'],
  [1, 'bicycle'],
  [2, 'car'],
  [3, 'motorcycle'],
  [5, 'bus'],
  [7, 'truck'],
]);

export const KEPT_COCO_IDS: readonly number[] = [...COCO_TO_CLASS.keys()];
