import { describe, expect, it } from 'vitest';
import { applyPlan, blurBox, blurRegions } from '../../src/casefile/blur.js';
import {
  gridTiles,
  keepBetween,
  offenderBoxAt,
  offenderPlate,
  plateArea,
  redactionPlan,
  regionsBetween,
  type Region,
} from '../../src/core/redaction.js';

const box = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2 });

describe('gridTiles', () => {
  it('covers a 1080p frame with overlapping 640 px tiles inside the frame', () => {
    const tiles = gridTiles(1920, 1080);
    expect(tiles).toHaveLength(8);
    for (const t of tiles) {
      expect(t.x2 - t.x1).toBe(640);
      expect(t.y2 - t.y1).toBe(640);
      expect(t.x2).toBeLessThanOrEqual(1920);
      expect(t.y2).toBeLessThanOrEqual(1080);
    }
    // every pixel column and row is in some tile, and neighbours overlap by at least 96 px
    for (const x of [0, 543, 544, 1000, 1919]) expect(tiles.some((t) => x >= t.x1 && x < t.x2)).toBe(true);
    expect(tiles.some((t) => t.y2 === 1080)).toBe(true);
  });

  it('is the frame itself when it fits', () => {
    expect(gridTiles(640, 360)).toEqual([box(0, 0, 640, 360)]);
  });
});

describe('which regions are blurred', () => {
  const offender = box(100, 100, 200, 300);

  it("keeps the offender's plate, and blurs every other plate and every face", () => {
    const own = box(130, 250, 170, 270);
    const other = box(400, 250, 440, 270);
    const riderFace = box(140, 110, 160, 130);
    expect(redactionPlan({ faces: [riderFace], plates: [own, other] }, offender)).toEqual({
      blur: [
        { kind: 'face', box: riderFace },
        { kind: 'plate', box: other },
      ],
      keep: [own],
    });
  });

  it("keeps only one plate in the offender's box: the one where its plate sits, not a neighbour's reaching in", () => {
    const own = box(135, 240, 165, 260);
    const neighbours = box(180, 180, 215, 200);
    expect(offenderPlate([neighbours, own], offender)).toBe(own);
    const plan = redactionPlan({ faces: [], plates: [neighbours, own] }, offender);
    expect(plan.keep).toEqual([own]);
    expect(plan.blur).toEqual([{ kind: 'plate', box: neighbours }]);
    expect(offenderPlate([box(230, 250, 260, 270)], offender)).toBeNull();
    // the offender's plate found twice (a tile and the whole frame) is kept, not blurred by its own duplicate
    const again = box(137, 243, 168, 262);
    expect(redactionPlan({ faces: [], plates: [own, again] }, offender).blur).toEqual([]);
  });

  it("blurs the plate area of every other vehicle, found plate or not, and never the offender's", () => {
    const car = { box: box(400, 100, 700, 300), twoWheeler: false };
    const bike = { box: box(800, 100, 900, 300), twoWheeler: true };
    const offenderBike = { box: box(120, 150, 180, 290), twoWheeler: true };
    // a neighbour's bike reaching into the offender's box, centred near its edge
    const neighbourBike = { box: box(170, 150, 230, 290), twoWheeler: true };
    const plan = redactionPlan({ faces: [], plates: [], vehicles: [car, bike, offenderBike, neighbourBike] }, offender);
    expect(plan.blur).toEqual([
      { kind: 'vehicle', box: plateArea(car) },
      { kind: 'vehicle', box: plateArea(bike) },
      { kind: 'vehicle', box: plateArea(neighbourBike) },
    ]);
    // the middle three fifths of a car's lower 45%; a two-wheeler from 30% to 90% down, 15% wider on each side
    expect(plateArea(car)).toEqual(box(460, 210, 640, 300));
    expect(plateArea(bike)).toEqual(box(785, 160, 915, 280));
    // a bus cut by the frame's left edge: its plate may be anywhere in what shows
    expect(plateArea({ box: box(0, 100, 300, 300), twoWheeler: false }, 1920)).toEqual(box(0, 210, 240, 300));
  });

  it('blurs every plate where the offender is not known', () => {
    expect(redactionPlan({ faces: [], plates: [box(130, 250, 170, 270)] }, null)).toEqual({
      blur: [{ kind: 'plate', box: box(130, 250, 170, 270) }],
      keep: [],
    });
  });

  it('keeps the plate between two samples only where both kept it', () => {
    expect(keepBetween([box(0, 0, 10, 10)], [box(10, 0, 20, 10)], 0.5)).toEqual([box(5, 0, 15, 10)]);
    expect(keepBetween([box(0, 0, 10, 10)], [], 0.5)).toEqual([]);
  });
});

describe('regions between sampled frames', () => {
  const plate = (x: number): Region => ({ kind: 'plate', box: box(x, 100, x + 40, 120) });

  it('holds both samples and adds the moving region where it was in between', () => {
    const between = regionsBetween([plate(0)], [plate(60)], 0.5);
    expect(between).toContainEqual(plate(0));
    expect(between).toContainEqual(plate(60));
    expect(between).toContainEqual(plate(30));
  });

  it('does not pair regions of different kinds or too far apart', () => {
    const face: Region = { kind: 'face', box: box(10, 100, 50, 120) };
    expect(regionsBetween([plate(0)], [face], 0.5)).toHaveLength(2);
    expect(regionsBetween([plate(0)], [plate(500)], 0.5)).toHaveLength(2);
  });
});

describe('offenderBoxAt', () => {
  const track = [
    { sec: 1, box: box(0, 0, 10, 10) },
    { sec: 2, box: box(10, 0, 20, 10) },
  ];
  it('interpolates inside the track and knows nothing outside it', () => {
    expect(offenderBoxAt(track, 1.5)).toEqual(box(5, 0, 15, 10));
    expect(offenderBoxAt(track, 1)).toEqual(box(0, 0, 10, 10));
    expect(offenderBoxAt(track, 0.5)).toBeNull();
    expect(offenderBoxAt(track, 2.5)).toBeNull();
    expect(offenderBoxAt([], 1)).toBeNull();
  });
});

describe('blurBox', () => {
  /** a black-and-white checkerboard of 2 px squares: all fine detail */
  const checkerboard = (w: number, h: number) => {
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) data.fill(((x >> 1) + (y >> 1)) % 2 ? 255 : 0, (y * w + x) * 3, (y * w + x) * 3 + 3);
    return { width: w, height: h, data };
  };
  const spread = (img: ReturnType<typeof checkerboard>, b: ReturnType<typeof box>) => {
    let min = 255;
    let max = 0;
    for (let y = b.y1; y < b.y2; y++)
      for (let x = b.x1; x < b.x2; x++) {
        const v = img.data[(y * img.width + x) * 3]!;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    return max - min;
  };

  it('leaves no detail inside the box and touches nothing outside it', () => {
    const img = checkerboard(120, 80);
    const untouched = checkerboard(120, 80);
    blurBox(img, box(20, 20, 80, 50));
    expect(spread(img, box(20, 20, 80, 50))).toBeLessThan(40);
    for (let y = 0; y < 80; y++)
      for (let x = 0; x < 120; x++) {
        if (x >= 20 && x < 80 && y >= 20 && y < 50) continue;
        expect(img.data[(y * 120 + x) * 3]).toBe(untouched.data[(y * 120 + x) * 3]);
      }
  });

  it("puts the kept plate back as it was, even where a neighbour's blurred area reached over it", () => {
    const img = checkerboard(120, 80);
    const untouched = checkerboard(120, 80);
    applyPlan(img, { blur: [{ kind: 'vehicle', box: box(10, 10, 110, 70) }], keep: [box(50, 30, 70, 40)] });
    for (let y = 30; y < 40; y++)
      for (let x = 50; x < 70; x++) expect(img.data[(y * 120 + x) * 3]).toBe(untouched.data[(y * 120 + x) * 3]);
    expect(spread(img, box(12, 12, 40, 28))).toBeLessThan(40);
  });

  it('grows each region by its margin before blurring', () => {
    const img = checkerboard(120, 80);
    const [blurred] = blurRegions(img, [{ kind: 'plate', box: box(40, 30, 80, 50) }]);
    expect(blurred).toEqual(box(32, 26, 88, 54));
  });
});
