import { area, intersection, bottomCenter } from '/work/main/src/core/boxes.ts';
import { isRiding } from '/work/main/src/core/rules.ts';
import { streamFrames } from '/work/main/src/media/frame-stream.ts';
import { createDetector } from '/work/main/src/vision/detector.ts';
const [clip, det = 'picodet_s', every = '3'] = process.argv.slice(2);
const detector = await createDetector(det as never);
let n = 0;
for await (const frame of streamFrames(clip!, { fps: 5, maxWidth: 1920, readAhead: 3 })) {
  if (n++ % Number(every)) continue;
  const dets = await detector.detect(frame, { scoreThreshold: 0.2 });
  const persons = dets.filter((d) => d.label === 'person' && d.score >= 0.25);
  for (const m of dets.filter((d) => d.label === 'motorcycle' && d.score > 0.35)) {
    const M = m.box; const h = M.y2 - M.y1; const w = M.x2 - M.x1;
    for (const p of persons) {
      if (!isRiding(M, p.box)) continue;
      const [fx, fy] = bottomCenter(p.box);
      console.log(`f${frame.index} m(${M.x1.toFixed(0)},${M.y1.toFixed(0)},${w.toFixed(0)}x${h.toFixed(0)}) s=${m.score.toFixed(2)} p(${p.box.x1.toFixed(0)},${p.box.y1.toFixed(0)},${(p.box.x2-p.box.x1).toFixed(0)}x${(p.box.y2-p.box.y1).toFixed(0)}) ps=${p.score.toFixed(2)} ph/mh=${((p.box.y2-p.box.y1)/h).toFixed(2)} topAbove=${((M.y1-p.box.y1)/h).toFixed(2)} feetAbove=${((M.y2-fy)/h).toFixed(2)}`);
    }
  }
}
