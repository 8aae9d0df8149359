/** The parts of an evidence package's manifest.json the console reads (schema motoguard.evidence/v1). */
export interface EvidenceManifest {
  frames?: Partial<Record<'entry' | 'peak' | 'exit', { sec: number; capturedAt?: string }>>;
  analysis?: { clipWindowSec?: [number, number] };
  plate?: {
    chars?: { char: string; confidence: number }[];
    /** the use syllable's likeliest readings, best first */
    syllableOptions?: { char: string; confidence: number }[];
  };
}

export async function parseManifest(blob: Blob): Promise<EvidenceManifest | null> {
  try {
    const value: unknown = JSON.parse(await blob.text());
    return value && typeof value === 'object' ? value : null;
  } catch {
    return null;
  }
}

/** Seconds into the clip at which a moment happened, when the manifest says. */
export function clipOffset(manifest: EvidenceManifest | null, moment: 'entry' | 'peak' | 'exit'): number | null {
  const sec = manifest?.frames?.[moment]?.sec;
  const start = manifest?.analysis?.clipWindowSec?.[0];
  return typeof sec === 'number' && typeof start === 'number' ? Math.max(0, sec - start) : null;
}
