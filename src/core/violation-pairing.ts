/** What ties a violation to the same event found by another analysis run of the same segment. */
export interface PairableViolation {
  zoneId: string | null;
  zoneName: string;
  trackId: number;
  startSec: number;
  endSec: number;
}

const zoneKey = (v: PairableViolation) => v.zoneId ?? `name:${v.zoneName}`;
const overlap = (a: PairableViolation, b: PairableViolation) =>
  Math.min(a.endSec, b.endSec) - Math.max(a.startSec, b.startSec);

/**
 * Pairs the violations of two runs: same zone and overlapping in time, preferring the same track id and then the
 * larger overlap; each violation pairs at most once. Returns index pairs (i into `a`, j into `b`).
 */
export function pairViolations(
  a: readonly PairableViolation[],
  b: readonly PairableViolation[],
): Array<{ i: number; j: number }> {
  const candidates: Array<{ i: number; j: number; sameTrack: boolean; overlap: number }> = [];
  a.forEach((va, i) =>
    b.forEach((vb, j) => {
      const o = overlap(va, vb);
      if (zoneKey(va) === zoneKey(vb) && o >= 0)
        candidates.push({ i, j, sameTrack: va.trackId === vb.trackId, overlap: o });
    }),
  );
  candidates.sort(
    (x, y) => Number(y.sameTrack) - Number(x.sameTrack) || y.overlap - x.overlap || x.i - y.i || x.j - y.j,
  );
  const pairedA = new Set<number>();
  const pairedB = new Set<number>();
  const pairs: Array<{ i: number; j: number }> = [];
  for (const { i, j } of candidates) {
    if (pairedA.has(i) || pairedB.has(j)) continue;
    pairedA.add(i);
    pairedB.add(j);
    pairs.push({ i, j });
  }
  return pairs;
}
