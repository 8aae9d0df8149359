import { describe, expect, it } from 'vitest';
import { diffViolations, type DiffableViolation } from '../../src/batch/run-diff.js';

const v = (id: string, over: Partial<DiffableViolation> = {}): DiffableViolation => ({
  id,
  zoneId: 'zone-1',
  zoneName: 'sidewalk',
  trackId: 1,
  startSec: 1,
  endSec: 4,
  plateText: '12가3456',
  ...over,
});

describe('diffViolations', () => {
  it('pairs by zone, overlapping time and track; reports plate and time changes', () => {
    const a = [
      v('a1'),
      v('a2', { trackId: 2, startSec: 5, endSec: 8 }),
      v('a3', { trackId: 3, startSec: 9, endSec: 10 }),
    ];
    const b = [
      v('b1', { plateText: '12가3458' }),
      v('b2', { trackId: 2, startSec: 5.4, endSec: 8 }),
      v('b4', { zoneId: 'zone-2', zoneName: 'park', trackId: 3, startSec: 9, endSec: 10 }),
    ];
    const d = diffViolations(a, b);
    expect(d.changed.map((c) => [c.before.id, c.after.id, c.fields])).toEqual([
      ['a1', 'b1', ['plateText']],
      ['a2', 'b2', ['startSec']],
    ]);
    expect(d.vanished.map((x) => x.id)).toEqual(['a3']);
    expect(d.added.map((x) => x.id)).toEqual(['b4']);
    expect(d.unchanged).toBe(0);
  });

  it('prefers the same track over a larger overlap, and pairs each violation once', () => {
    const a = [v('a1', { trackId: 7, startSec: 0, endSec: 10 })];
    const b = [v('b1', { trackId: 7, startSec: 8, endSec: 9 }), v('b2', { trackId: 9, startSec: 0, endSec: 10 })];
    const d = diffViolations(a, b);
    expect(d.changed.map((c) => [c.before.id, c.after.id, c.fields])).toEqual([['a1', 'b1', ['startSec', 'endSec']]]);
    expect(d.added.map((x) => x.id)).toEqual(['b2']);
    expect(d.vanished).toEqual([]);
    expect(d.unchanged).toBe(0);
  });

  it('does not pair violations that do not overlap in time', () => {
    const d = diffViolations([v('a1', { startSec: 0, endSec: 1 })], [v('b1', { startSec: 2, endSec: 3 })]);
    expect(d.vanished.map((x) => x.id)).toEqual(['a1']);
    expect(d.added.map((x) => x.id)).toEqual(['b1']);
  });
});
