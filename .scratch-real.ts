import { readFileSync } from 'node:fs';
import { parseCameraConfig } from '/work/main/src/core/camera-config.ts';
import { createViolationJudge } from '/work/main/src/core/violation-judge.ts';
import { streamFrames } from '/work/main/src/media/frame-stream.ts';
import { createDetector } from '/work/main/src/vision/detector.ts';
import { DETECTOR_PROFILES } from '/work/main/src/analysis/detector-profile.ts';
const [clip, camFile, det = 'picodet_s'] = process.argv.slice(2);
const camera = parseCameraConfig(JSON.parse(readFileSync(camFile!, 'utf8')));
const detector = await createDetector(det as never);
const profile = DETECTOR_PROFILES[det as 'picodet_s'];
let judge: ReturnType<typeof createViolationJudge> | undefined;
const events = [];
const labels = new Map<number, string>();
const allT = new Map<number, any>();
let persons = 0, motos = 0;
for await (const frame of streamFrames(clip!, { fps: 5, maxWidth: 1920, readAhead: 3 })) {
  judge ??= createViolationJudge({ zones: camera.zones, frameWidth: frame.width, frameHeight: frame.height, fps: 5, timezone: camera.timezone, segmentStart: new Date('2026-11-23T01:00:00Z'), confirmThreshold: profile.confirmThreshold, tracker: profile.tracker, rider: JSON.parse(process.env.RIDER ?? '{}') });
  const dets = await detector.detect(frame, { scoreThreshold: profile.detectScore });
  persons += dets.filter((d) => d.label === 'person').length; motos += dets.filter((d) => d.label === 'motorcycle').length;
  events.push(...judge.update(frame.index, frame.timestamp, dets));
  for (const t of judge.tracks()) { labels.set(t.id, t.label); allT.set(t.id, { label: t.label, n: t.history.length, a: t.startFrame, b: t.lastFrame, s: t.history.reduce((x, h) => x + h.score, 0) / t.history.length }); }
}
events.push(...judge!.finish());
console.log('persons', persons, 'motorcycle dets', motos, 'tracks', labels.size, [...labels.values()].reduce((m, l) => ({ ...m, [l]: ((m as any)[l] ?? 0) + 1 }), {}));
for (const e of events) console.log('EVENT', e.trackId, e.label, e.zone.name, e.entryFrame, e.exitFrame, e.dwellSeconds.toFixed(1), e.displacement.toFixed(3), e.riderShare.toFixed(2), e.direction?.toFixed(0));
const reasons: Record<string, number> = {};
for (const r of judge!.rejections()) for (const x of r.reasons) { const k = x.replace(/[0-9.]+/g, 'N'); reasons[k] = (reasons[k] ?? 0) + 1; }
console.log('rejections', judge!.rejections().length, reasons);
const all = new Map<number, { label: string; n: number; a: number; b: number }>();

for (const [id, t] of allT) console.log('T', id, t.label, t.n, t.a + '-' + t.b, t.s.toFixed(2));
