import { area, intersection } from './boxes.js';
import type { Box } from './types.js';

/**
 * What a case file blurs (src/casefile/): every face, and every licence plate but the offending vehicle's. Pure
 * geometry here: the tiles a whole frame is searched in, which plates belong to the offender, where another
 * vehicle's plate must be when the plate detector found none, how regions found on sampled frames of a clip cover
 * the frames between them.
 */

/** `vehicle`: the part of another vehicle where its plate would be (plateArea), blurred whether a plate was found or not. */
export type RegionKind = 'face' | 'plate' | 'vehicle';

/** A vehicle the object detector found on the frame. */
export interface VehicleBox {
  box: Box;
  twoWheeler: boolean;
}

export interface Region {
  kind: RegionKind;
  box: Box;
}

/** Overlapping square tiles of at most `size` px covering a width x height image (one tile when it fits). */
export function gridTiles(width: number, height: number, size = 640, overlap = 96): Box[] {
  const starts = (extent: number): number[] => {
    if (extent <= size) return [0];
    const step = size - overlap;
    const count = Math.ceil((extent - overlap) / step);
    return Array.from({ length: count }, (_, i) => Math.min(i * step, extent - size));
  };
  const tiles: Box[] = [];
  for (const y of starts(height)) {
    for (const x of starts(width)) {
      tiles.push({ x1: x, y1: y, x2: Math.min(width, x + size), y2: Math.min(height, y + size) });
    }
  }
  return tiles;
}

/** `box` grown by `fraction` of its size on every side (at least `minPx`), clamped to the image. */
export function growBox(box: Box, fraction: number, width: number, height: number, minPx = 2): Box {
  const dx = Math.max(minPx, (box.x2 - box.x1) * fraction);
  const dy = Math.max(minPx, (box.y2 - box.y1) * fraction);
  return {
    x1: Math.max(0, box.x1 - dx),
    y1: Math.max(0, box.y1 - dy),
    x2: Math.min(width, box.x2 + dx),
    y2: Math.min(height, box.y2 + dy),
  };
}

const centre = (b: Box): [number, number] => [(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2];

/** Whether a box's centre lies inside the offending vehicle's box grown by 10%. */
function centredIn(box: Box, offender: Box): boolean {
  const [cx, cy] = centre(box);
  const mx = (offender.x2 - offender.x1) * 0.1;
  const my = (offender.y2 - offender.y1) * 0.1;
  return cx >= offender.x1 - mx && cx <= offender.x2 + mx && cy >= offender.y1 - my && cy <= offender.y2 + my;
}

/**
 * The offending vehicle's plate among the plates found: of those centred in its box, the one nearest where a plate
 * sits on a ridden two-wheeler seen from behind or in front (the middle, three quarters down). Only one: a
 * neighbour's plate that shows inside the offender's box (riders side by side) is blurred like any other. Null when
 * none is, or where the offender's place is not known.
 */
export function offenderPlate(plates: readonly Box[], offender: Box | null): Box | null {
  if (!offender) return null;
  const target: [number, number] = [(offender.x1 + offender.x2) / 2, offender.y1 + 0.75 * (offender.y2 - offender.y1)];
  let best: Box | null = null;
  let bestDistance = Infinity;
  for (const plate of plates) {
    if (!centredIn(plate, offender)) continue;
    const [cx, cy] = centre(plate);
    const distance = Math.hypot(cx - target[0], cy - target[1]);
    if (distance < bestDistance) {
      best = plate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Whether a vehicle the object detector found is the offending one: mostly (60%) inside the offender's box and
 * centred across its middle three fifths. A neighbour's bike reaching into the box is not.
 */
export function isOffenderVehicle(vehicle: Box, offender: Box | null): boolean {
  if (!offender) return false;
  const a = area(vehicle);
  if (a === 0 || intersection(vehicle, offender) / a < 0.6) return false;
  const [cx] = centre(vehicle);
  const w = offender.x2 - offender.x1;
  return cx >= offender.x1 + 0.2 * w && cx <= offender.x2 - 0.2 * w;
}

/**
 * Where a vehicle's plate is, seen from behind or in front. On a two-wheeler 30% to 90% down the box and its whole
 * width and a bit more (the plate sits over the wheel, about 35-60% down a box of the bike alone, 55-80% of one
 * holding the rider too; a bike half hidden behind another shows its plate at the edge of what the detector boxed).
 * On a car, bus or truck the middle three fifths of its lower 45%; one cut by the frame's left or right edge, whose
 * plate may be anywhere in what shows, to that edge. The plate detector misses some plates (a Vietnamese blue
 * plate, one at the frame's edge, a small one behind a rider); this area is blurred whether it found one or not,
 * and the offender's plate is put back afterwards wherever such an area reached over it.
 */
export function plateArea(vehicle: VehicleBox, frameWidth = Infinity): Box {
  const { x1, y1, x2, y2 } = vehicle.box;
  const w = x2 - x1;
  const h = y2 - y1;
  if (vehicle.twoWheeler) {
    return {
      x1: Math.max(0, x1 - 0.15 * w),
      y1: y1 + 0.3 * h,
      x2: Math.min(frameWidth, x2 + 0.15 * w),
      y2: y1 + 0.9 * h,
    };
  }
  const left = x1 <= 2 ? x1 : x1 + 0.2 * w;
  const right = x2 >= frameWidth - 2 ? x2 : x2 - 0.2 * w;
  return { x1: left, y1: y1 + 0.55 * h, x2: right, y2 };
}

/** What a picture gets: regions blurred, then the offender's plate (`keep`) put back as it was. */
export interface RedactionPlan {
  blur: Region[];
  keep: Box[];
}

/** Two finds of one plate: boxes overlapping by a fifth (IoU), or one's centre inside the other. */
function samePlate(a: Box, b: Box): boolean {
  if (a === b) return true;
  const inter = intersection(a, b);
  if (inter > 0 && inter / (area(a) + area(b) - inter) >= 0.2) return true;
  const [ax, ay] = centre(a);
  const [bx, by] = centre(b);
  const inside = (x: number, y: number, box: Box) => x >= box.x1 && x <= box.x2 && y >= box.y1 && y <= box.y2;
  return inside(ax, ay, b) || inside(bx, by, a);
}

/**
 * The plan for one picture: every face blurred (the offender's rider too: README "Case files" says why), every
 * plate but the offender's, and the plate area of every other vehicle; the offender's plate kept, restored after the
 * blurring so that no neighbour's blurred area reaches over it. `offender` null (a moment the vehicle's place is not
 * known) blurs every plate.
 */
export function redactionPlan(
  found: { faces: readonly Box[]; plates: readonly Box[]; vehicles?: readonly VehicleBox[] },
  offender: Box | null,
  frameWidth = Infinity,
): RedactionPlan {
  const own = offenderPlate(found.plates, offender);
  return {
    blur: [
      ...found.faces.map((box) => ({ kind: 'face' as const, box })),
      // the same plate found again (on a tile and on the whole frame) is the offender's too
      ...found.plates.filter((p) => !own || !samePlate(p, own)).map((box) => ({ kind: 'plate' as const, box })),
      ...(found.vehicles ?? [])
        .filter((v) => !isOffenderVehicle(v.box, offender))
        .map((v) => ({ kind: 'vehicle' as const, box: plateArea(v, frameWidth) })),
    ],
    keep: own ? [own] : [],
  };
}

/** The kept plate between two samples: where it was in between when both have one, else none (blurred, the safe side). */
export function keepBetween(before: readonly Box[], after: readonly Box[], t: number): Box[] {
  const [a] = before;
  const [b] = after;
  if (!a || !b) return [];
  const lerp = (p: number, q: number) => p + (q - p) * t;
  return [{ x1: lerp(a.x1, b.x1), y1: lerp(a.y1, b.y1), x2: lerp(a.x2, b.x2), y2: lerp(a.y2, b.y2) }];
}

/**
 * The regions of a frame between two sampled frames (`t` in 0..1 from `before` to `after`): each region of either
 * sample held as found, and for each pair of the same kind that is likely the same object moving (nearest centre
 * within twice its size) the region where it was at `t`, by linear interpolation. Over-covering on purpose: a
 * moving plate is blurred along its whole path, and one seen on one sample only still stays blurred until the next.
 */
export function regionsBetween(before: readonly Region[], after: readonly Region[], t: number): Region[] {
  const out: Region[] = [...before, ...after];
  const taken = new Set<number>();
  for (const a of before) {
    const [ax, ay] = centre(a.box);
    const reach = 2 * Math.max(a.box.x2 - a.box.x1, a.box.y2 - a.box.y1);
    let best = -1;
    let bestDistance = Infinity;
    after.forEach((b, i) => {
      if (b.kind !== a.kind || taken.has(i)) return;
      const [bx, by] = centre(b.box);
      const distance = Math.hypot(bx - ax, by - ay);
      if (distance <= reach && distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    });
    if (best < 0) continue;
    taken.add(best);
    const b = after[best]!.box;
    const lerp = (p: number, q: number) => p + (q - p) * t;
    out.push({
      kind: a.kind,
      box: { x1: lerp(a.box.x1, b.x1), y1: lerp(a.box.y1, b.y1), x2: lerp(a.box.x2, b.x2), y2: lerp(a.box.y2, b.y2) },
    });
  }
  return out;
}

/**
 * The offending vehicle's box at `sec` from the boxes the analysis recorded (source pixels, `sec` in the source),
 * interpolated between the two around it; null before the first or after the last (the vehicle's place there is
 * not known, so its plate is blurred like any other).
 */
export function offenderBoxAt(track: readonly { sec: number; box: Box }[], sec: number): Box | null {
  if (track.length === 0) return null;
  const first = track[0]!;
  const last = track[track.length - 1]!;
  const slack = 0.05;
  if (sec < first.sec - slack || sec > last.sec + slack) return null;
  if (sec <= first.sec) return first.box;
  if (sec >= last.sec) return last.box;
  const i = track.findIndex((b) => b.sec >= sec);
  const a = track[i - 1]!;
  const b = track[i]!;
  const t = b.sec > a.sec ? (sec - a.sec) / (b.sec - a.sec) : 0;
  const lerp = (p: number, q: number) => p + (q - p) * t;
  return {
    x1: lerp(a.box.x1, b.box.x1),
    y1: lerp(a.box.y1, b.box.y1),
    x2: lerp(a.box.x2, b.box.x2),
    y2: lerp(a.box.y2, b.box.y2),
  };
}
