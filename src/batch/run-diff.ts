import { pairViolations } from '../core/violation-pairing.js';
import type { PrismaClient } from '../db/client.js';

/** The fields of a violation that identify it across runs and that a rerun may change. */
export interface DiffableViolation {
  id: string;
  zoneId: string | null;
  zoneName: string;
  trackId: number;
  startSec: number;
  endSec: number;
  plateText: string | null;
}

export interface ViolationChange {
  before: DiffableViolation;
  after: DiffableViolation;
  /** which of the compared fields differ */
  fields: Array<'plateText' | 'startSec' | 'endSec'>;
}

export interface RunDiff {
  runA: string;
  runB: string;
  /** in B only */
  added: DiffableViolation[];
  /** in A only */
  vanished: DiffableViolation[];
  changed: ViolationChange[];
  unchanged: number;
}

/** Times closer than this (seconds) count as equal: they come from frame timestamps at the analysis rate. */
const TIME_EPSILON = 1e-3;

/**
 * Pair the violations of two runs (core/violation-pairing.ts); paired ones whose plate or times differ are
 * "changed".
 */
export function diffViolations(a: DiffableViolation[], b: DiffableViolation[]): Omit<RunDiff, 'runA' | 'runB'> {
  const pairedA = new Set<number>();
  const pairedB = new Set<number>();
  const changed: ViolationChange[] = [];
  let unchanged = 0;
  for (const c of pairViolations(a, b)) {
    pairedA.add(c.i);
    pairedB.add(c.j);
    const before = a[c.i]!;
    const after = b[c.j]!;
    const fields: ViolationChange['fields'] = [];
    if ((before.plateText ?? null) !== (after.plateText ?? null)) fields.push('plateText');
    if (Math.abs(before.startSec - after.startSec) > TIME_EPSILON) fields.push('startSec');
    if (Math.abs(before.endSec - after.endSec) > TIME_EPSILON) fields.push('endSec');
    if (fields.length > 0) changed.push({ before, after, fields });
    else unchanged += 1;
  }
  return {
    added: b.filter((_, j) => !pairedB.has(j)),
    vanished: a.filter((_, i) => !pairedA.has(i)),
    changed,
    unchanged,
  };
}

const DIFF_SELECT = {
  id: true,
  zoneId: true,
  zoneName: true,
  trackId: true,
  startSec: true,
  endSec: true,
  plateText: true,
} as const;

export class RunNotFoundError extends Error {
  constructor(readonly runId: string) {
    super(`analysis run ${runId} does not exist`);
    this.name = 'RunNotFoundError';
  }
}

export class RunsNotComparableError extends Error {
  constructor(runA: string, runB: string) {
    super(`runs ${runA} and ${runB} analysed different segments`);
    this.name = 'RunsNotComparableError';
  }
}

/** Diff two AnalysisRuns of the same segment (new, vanished and changed violations of B against A). */
export async function diffRuns(prisma: PrismaClient, runA: string, runB: string): Promise<RunDiff> {
  const [a, b] = await Promise.all(
    [runA, runB].map((id) =>
      prisma.analysisRun.findUnique({
        where: { id },
        select: {
          segmentId: true,
          violations: { select: DIFF_SELECT, orderBy: [{ startSec: 'asc' }, { trackId: 'asc' }] },
        },
      }),
    ),
  );
  if (!a) throw new RunNotFoundError(runA);
  if (!b) throw new RunNotFoundError(runB);
  if (a.segmentId !== b.segmentId) throw new RunsNotComparableError(runA, runB);
  return { runA, runB, ...diffViolations(a.violations, b.violations) };
}
