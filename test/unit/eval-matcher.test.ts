import { describe, expect, it } from 'vitest';
import type { Box } from '../../src/core/types.js';
import { clipLabelsSchema, type ClipLabels } from '../../src/eval/labels.js';
import { labelledBoxAt, scoreClip, summarise, type FlaggedViolation } from '../../src/eval/matcher.js';

const ZONE = 'lanes';

function labels(over: Partial<Record<string, unknown>> = {}): ClipLabels {
  return clipLabelsSchema.parse({
    clip: 'street.mp4',
    negative: false,
    description: 'two riders side by side, a parked bike, a bicycle',
    camera: {
      name: 'cam',
      zones: [
        {
          name: ZONE,
          kind: 'restricted_road',
          polygon: [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        },
      ],
    },
    riders: [
      // a rides left to right along y 0.5..0.7; b rides right to left along y 0.1..0.3
      {
        id: 'a',
        zone: ZONE,
        class: 'motorcycle',
        entrySec: 0,
        exitSec: 4,
        boxes: [
          { t: 0, box: [0.0, 0.5, 0.1, 0.7] },
          { t: 4, box: [0.8, 0.5, 0.9, 0.7] },
        ],
      },
      {
        id: 'b',
        zone: ZONE,
        class: 'motorcycle',
        entrySec: 0,
        exitSec: 4,
        boxes: [
          { t: 0, box: [0.8, 0.1, 0.9, 0.3] },
          { t: 4, box: [0.0, 0.1, 0.1, 0.3] },
        ],
      },
      {
        id: 'bike',
        zone: ZONE,
        class: 'bicycle',
        entrySec: 1,
        exitSec: 3,
        boxes: [
          { t: 1, box: [0.4, 0.8, 0.5, 1.0] },
          { t: 3, box: [0.6, 0.8, 0.7, 1.0] },
        ],
      },
      {
        id: 'far',
        zone: ZONE,
        class: 'motorcycle',
        entrySec: 2,
        exitSec: 3,
        optional: true,
        boxes: [{ t: 2, box: [0.45, 0.0, 0.47, 0.03] }],
      },
    ],
    mustNotFlag: [{ what: 'parked motorbike', zone: ZONE, boxes: [{ t: 1, box: [0.9, 0.8, 1.0, 1.0] }] }],
    ...over,
  });
}

const norm = (x1: number, y1: number, x2: number, y2: number): Box => ({ x1, y1, x2, y2 });

/** A violation following `boxAt` at 5 fps from `from` to `to`. */
function flagged(boxAt: (t: number) => Box, from: number, to: number, zone = ZONE): FlaggedViolation {
  const boxes = [];
  for (let t = from; t <= to + 1e-9; t += 0.2) boxes.push({ t, box: boxAt(t) });
  const first = boxes[0]!;
  const last = boxes[boxes.length - 1]!;
  const mid = boxes[Math.floor(boxes.length / 2)]!;
  return {
    zone,
    startSec: from,
    endSec: to,
    label: 'motorcycle',
    boxes,
    keyBoxes: { entry: first, peak: mid, exit: last, vehicle: mid },
  };
}

const riderA = (t: number) => norm(0.2 * t, 0.5, 0.2 * t + 0.1, 0.7);
const riderB = (t: number) => norm(0.8 - 0.2 * t, 0.1, 0.9 - 0.2 * t, 0.3);

describe('labelledBoxAt', () => {
  const boxes = [
    { t: 1, box: [0, 0, 0.2, 0.2] as [number, number, number, number] },
    { t: 3, box: [0.4, 0, 0.6, 0.2] as [number, number, number, number] },
  ];
  it('interpolates between labelled instants and holds the ends for the slack only', () => {
    expect(labelledBoxAt(boxes, 2, 0.5)).toEqual(norm(0.2, 0, 0.4, 0.2));
    expect(labelledBoxAt(boxes, 0.6, 0.5)).toEqual(norm(0, 0, 0.2, 0.2));
    expect(labelledBoxAt(boxes, 0.4, 0.5)).toBeUndefined();
    expect(labelledBoxAt(boxes, 3.6, 0.5)).toBeUndefined();
  });
});

describe('scoreClip', () => {
  it('counts a violation that follows a labelled rider as a pure hit', () => {
    const s = scoreClip(labels(), [flagged(riderA, 0, 4)]);
    expect(s).toMatchObject({
      expected: 2,
      hits: 1,
      missed: ['b'],
      falseAlarms: 0,
      unlabelled: 0,
      duplicates: 0,
      pure: 1,
    });
  });

  it('forgives a labelled time a fifth of a second off on a small, fast rider, and no more', () => {
    // 2% of the frame wide, moving its own width every 0.2 s: the label is drawn where the rider is 0.2 s later.
    const small = (t: number) => norm(0.1 * t, 0.5, 0.1 * t + 0.02, 0.55);
    const early = labels({
      riders: [
        {
          id: 's',
          zone: ZONE,
          class: 'motorcycle',
          entrySec: 0,
          exitSec: 4,
          boxes: [0, 1, 2, 3, 4].map((t) => {
            const b = small(t + 0.2);
            return { t, box: [b.x1, b.y1, b.x2, b.y2] };
          }),
        },
      ],
      mustNotFlag: [],
    });
    expect(scoreClip(early, [flagged(small, 0.4, 3.6)])).toMatchObject({ hits: 1, pure: 1 });
    expect(scoreClip(early, [flagged(small, 0.4, 3.6)], { timeToleranceSec: 0 })).toMatchObject({
      hits: 0,
      unlabelled: 1,
    });
    const late = (t: number) => small(t + 0.6);
    expect(scoreClip(early, [flagged(late, 0.4, 3.2)])).toMatchObject({ hits: 0, unlabelled: 1 });
  });

  it('counts a second violation on the same rider as a duplicate, not a hit', () => {
    const s = scoreClip(labels(), [flagged(riderA, 0, 2), flagged(riderA, 2.2, 4)]);
    expect(s).toMatchObject({ hits: 1, duplicates: 1 });
  });

  it('marks a hit impure when its track switches to the other rider on the way', () => {
    const switching = (t: number) => (t < 2 ? riderA(t) : riderB(t));
    const s = scoreClip(labels(), [flagged(switching, 0, 3)]);
    expect(s.hits).toBe(1);
    expect(s.pure).toBe(0);
    const hit = s.outcomes[0]!;
    expect(hit.kind === 'hit' && hit.impureMoments.map((m) => [m.moment, m.shows])).toEqual([['exit', 'b']]);
  });

  it('calls a flagged bicycle or parked bike a false alarm, and an unlabelled box unlabelled', () => {
    const bicycle = (t: number) => norm(0.4 + 0.1 * (t - 1), 0.8, 0.5 + 0.1 * (t - 1), 1.0);
    const parked = () => norm(0.9, 0.8, 1.0, 1.0);
    const ghost = () => norm(0.3, 0.3, 0.35, 0.35);
    const s = scoreClip(labels(), [flagged(bicycle, 1, 3), flagged(parked, 5, 8), flagged(ghost, 0, 2)]);
    expect(s).toMatchObject({ hits: 0, falseAlarms: 2, unlabelled: 1 });
    expect(s.outcomes.map((o) => o.kind)).toEqual(['false_alarm', 'false_alarm', 'unlabelled']);
  });

  it('neither rewards nor punishes an optional rider', () => {
    const far = () => norm(0.45, 0.0, 0.47, 0.03);
    const s = scoreClip(labels(), [flagged(far, 2, 3)]);
    expect(s).toMatchObject({ expected: 2, hits: 0, falseAlarms: 0, unlabelled: 0 });
    expect(s.outcomes[0]!.kind).toBe('optional');
  });

  it('does not match across zones or without time overlap', () => {
    const s = scoreClip(labels(), [flagged(riderA, 0, 4, 'elsewhere')]);
    expect(s.unlabelled).toBe(1);
    const late = labels({
      riders: [
        {
          id: 'a',
          zone: ZONE,
          class: 'motorcycle',
          entrySec: 6,
          exitSec: 8,
          boxes: [{ t: 6, box: [0, 0.5, 0.1, 0.7] }],
        },
      ],
    });
    expect(scoreClip(late, [flagged(riderA, 0, 0.4)]).hits).toBe(0);
  });
});

describe('summarise', () => {
  it('adds clips up: recall over required riders, precision over wrong flags, purity over hits', () => {
    const a = scoreClip(labels(), [flagged(riderA, 0, 4), flagged(riderA, 2, 4)]);
    const neg = scoreClip(labels({ negative: true, riders: [] }), [flagged(() => norm(0.9, 0.8, 1, 1), 0, 2)]);
    const sum = summarise([a, neg]);
    expect(sum).toMatchObject({
      clips: 2,
      expected: 2,
      hits: 1,
      flagged: 3,
      falseAlarms: 1,
      duplicates: 1,
      negativeClipViolations: 1,
    });
    expect(sum.recall).toBe(0.5);
    expect(sum.precision).toBe(0.5);
    expect(sum.identityPurity).toBe(1);
  });
});
