import { SingleBar, Presets } from 'cli-progress';
import type { AnalysisProgress } from '../analysis/types.js';

export interface ProgressDisplay {
  update(progress: AnalysisProgress): void;
  stop(): void;
}

/** What the bar says the job is doing: the evidence phase counts its packages. */
export function phaseLabel(p: AnalysisProgress): string {
  return p.evidenceDone === undefined ? p.phase : `${p.phase} ${p.evidenceDone}/${p.violationsFound}`;
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (pipes and logs stay clean). */
export function createProgressDisplay(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} frames | {phase} | {violations} violation(s)`,
      stream,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const payload = { phase: phaseLabel(p), violations: p.violationsFound };
      if (!started) {
        bar.start(Math.max(1, p.framesTotal), p.framesDone, payload);
        started = true;
      }
      bar.setTotal(Math.max(1, p.framesTotal, p.framesDone));
      bar.update(p.framesDone, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
