import path from 'node:path';
import type { SegmentAnalysis, ViolationRecord } from '../analysis/types.js';

/** The `--json` line for one violation (shape documented in the README; keep it stable). */
export function violationJson(v: ViolationRecord): string {
  return JSON.stringify({
    type: 'violation',
    zone: v.zoneName,
    zoneKind: v.zoneKind,
    trackId: v.trackId,
    startSec: round(v.startSec, 2),
    endSec: round(v.endSec, 2),
    plate: { text: v.plate.text, confidence: round(v.plate.confidence, 3), candidates: v.plate.candidates },
    evidence: v.evidence.map((e) => ({ role: e.role, path: e.path, sha256: e.sha256 })),
  });
}

export interface RunSummary {
  videoSeconds: number;
  framesAnalysed: number;
  wallSeconds: number;
  violations: number;
}

export function summaryJson(s: RunSummary): string {
  return JSON.stringify({
    type: 'summary',
    videoSeconds: round(s.videoSeconds, 2),
    framesAnalysed: s.framesAnalysed,
    wallSeconds: round(s.wallSeconds, 2),
    violations: s.violations,
  });
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A readable table of one segment's violations and where each evidence package lies. */
export function violationTable(analysis: SegmentAnalysis, evidenceRoot: string): string {
  const title = `${path.basename(analysis.videoPath)}: ${analysis.violations.length} violation(s) in ${analysis.videoSeconds.toFixed(1)} s of video (${analysis.framesAnalysed} frames at ${analysis.fps} fps, ${analysis.detector})`;
  const t = analysis.timings;
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const timing =
    `time: inference ${sec(t.inferenceMs)}, waiting for decode ${sec(t.decodeWaitMs)}, tracking ${sec(t.trackingMs)}, ` +
    `keyframes ${sec(t.keyframesMs)}, plates and evidence ${sec(t.packagingMs)} (plates read one at a time ${sec(t.plateMs)}, packages written two at a time ${sec(t.evidenceMs)}), total ${sec(t.totalMs)}`;
  if (analysis.violations.length === 0) return `${title}\n${timing}`;
  const rows = analysis.violations.map((v, i) => [
    String(i + 1),
    `${v.zoneName} (${v.zoneKind})`,
    `#${v.trackId} ${v.label}`,
    `${v.startSec.toFixed(1)}–${v.endSec.toFixed(1)} s`,
    v.plate.text ? `${v.plate.text} (${Math.round(v.plate.confidence * 100)}%)` : 'unread',
    path.relative(evidenceRoot, v.evidenceDir) || v.evidenceDir,
  ]);
  return [
    title,
    timing,
    '',
    table(['#', 'zone', 'track', 'time', 'plate', 'evidence'], rows),
    '',
    `evidence root: ${evidenceRoot}`,
  ].join('\n');
}
