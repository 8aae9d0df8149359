import { spawn } from 'node:child_process';
import { once } from 'node:events';
import sharp from 'sharp';
import { bottomCenter } from '../core/boxes.js';
import type { RuleCheck } from '../core/rules.js';
import { ffmpegPath } from '../media/binaries.js';
import { streamFrames } from '../media/frame-stream.js';
import type { DetectorTrace, TraceFrame } from './detector-trace.js';

/** How the clip and the console name each rule. */
export const RULE_NAMES_KO: Readonly<Record<RuleCheck['rule'], string>> = {
  class: '차종',
  confirmed: '확정',
  schedule: '시간대',
  dwell: '체류',
  displacement: '이동',
  direction: '방향',
  rider: '탑승자',
};

/** Seconds a closed stay's verdict stays written on the clip. */
const VERDICT_SHOWN_SEC = 2;
/** Bottom-centre points of a track's path drawn behind it. */
const PATH_POINTS = 25;

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const TRACK_COLOURS = ['#00e5ff', '#76ff03', '#ff4081', '#ffea00', '#b388ff', '#ff9100'];
export const trackColour = (id: number) => TRACK_COLOURS[id % TRACK_COLOURS.length]!;

/** The overlay of one analysed frame: zones, detector boxes (class, score), tracks with ids and paths, verdicts. */
export function traceOverlaySvg(trace: DetectorTrace, at: number): string {
  const { width, height } = trace.analysedSize;
  const frame = trace.frames[at];
  if (!frame) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"/>`;
  const font = Math.max(11, Math.round(height / 45));
  const unit = Math.max(1, Math.round(Math.min(width, height) / 400));
  const text = (x: number, y: number, fill: string, s: string) =>
    `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" fill="${fill}" stroke="black" stroke-width="${unit * 1.5}" paint-order="stroke">${escapeXml(s)}</text>`;
  const parts: string[] = [];
  const violating = new Set(
    trace.violations.filter((v) => v.startSec <= frame.timestamp && frame.timestamp <= v.endSec).map((v) => v.zone),
  );
  for (const zone of trace.zones) {
    const colour = violating.has(zone.name) ? 'rgb(255,40,40)' : 'rgb(255,196,0)';
    const points = zone.polygon.map(([x, y]) => `${(x * width).toFixed(1)},${(y * height).toFixed(1)}`).join(' ');
    parts.push(
      `<polygon points="${points}" fill="${colour}" fill-opacity="0.15" stroke="${colour}" stroke-width="${2 * unit}"/>`,
    );
    const [zx, zy] = zone.polygon[0] ?? [0, 0];
    parts.push(text(zx * width + 4, zy * height + font * 1.2, colour, zone.name));
  }
  for (const d of frame.detections) {
    const b = d.box;
    parts.push(
      `<rect x="${b.x1}" y="${b.y1}" width="${(b.x2 - b.x1).toFixed(1)}" height="${(b.y2 - b.y1).toFixed(1)}" fill="none" stroke="white" stroke-dasharray="${4 * unit}" stroke-width="${unit}"/>`,
    );
    parts.push(text(b.x1, b.y2 + font, 'white', `${d.label} ${d.score.toFixed(2)}`));
  }
  const recent = trace.frames.slice(Math.max(0, at - PATH_POINTS), at + 1);
  for (const t of frame.tracks.filter((t) => t.seenNow)) {
    const colour = trackColour(t.id);
    const path = pathOf(recent, t.id);
    if (path.length > 1) {
      parts.push(
        `<polyline points="${path.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="${2 * unit}"/>`,
      );
    }
    const b = t.box;
    parts.push(
      `<rect x="${b.x1}" y="${b.y1}" width="${(b.x2 - b.x1).toFixed(1)}" height="${(b.y2 - b.y1).toFixed(1)}" fill="none" stroke="${colour}" stroke-width="${2 * unit}"/>`,
    );
    parts.push(text(b.x1, b.y1 - font * 0.3, colour, `#${t.id} ${t.label}`));
  }
  const lines = [`${frame.timestamp.toFixed(1)} s · frame ${frame.index}`];
  for (const s of trace.stays) {
    const closedAt = trace.frames.find((f) => f.index === s.exitFrame)?.timestamp;
    if (closedAt === undefined || frame.timestamp < closedAt || frame.timestamp > closedAt + VERDICT_SHOWN_SEC)
      continue;
    const failed = s.checks.filter((c) => !c.pass).map((c) => RULE_NAMES_KO[c.rule]);
    lines.push(`#${s.trackId} ${s.zone}: ${s.violation ? '위반' : `위반 아님 (${failed.join(', ')})`}`);
  }
  const boxW = Math.max(...lines.map((l) => l.length)) * font * 0.75 + font;
  parts.push(
    `<rect x="0" y="0" width="${boxW.toFixed(0)}" height="${(font * 1.4 * lines.length + font * 0.5).toFixed(0)}" fill="black" fill-opacity="0.6"/>`,
  );
  lines.forEach((l, i) => parts.push(text(font * 0.5, font * (1.3 + i * 1.4), 'white', l)));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><style>text { font-family: 'Noto Sans CJK KR', 'Noto Sans KR', sans-serif; font-size: ${font}px; font-weight: bold; }</style>${parts.join('')}</svg>`;
}

/** A track's bottom-centre over the given frames, where it was matched. */
export function pathOf(frames: readonly TraceFrame[], trackId: number): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (const f of frames) {
    const t = f.tracks.find((x) => x.id === trackId && x.seenNow);
    if (t) points.push(bottomCenter(t.box));
  }
  return points;
}

/**
 * Writes the trace over the video's frames as an H.264 MP4 (the frames decoded again at the trace's rate and size,
 * so each overlay lands on the frame it was measured on).
 */
export async function renderTraceClip(videoPath: string, trace: DetectorTrace, outFile: string): Promise<void> {
  const { width, height } = trace.analysedSize;
  const encoder = spawn(
    ffmpegPath,
    [
      '-v',
      'error',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${width}x${height}`,
      '-r',
      String(trace.fps),
      '-i',
      'pipe:0',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-vf',
      'pad=ceil(iw/2)*2:ceil(ih/2)*2',
      '-movflags',
      '+faststart',
      '-y',
      outFile,
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  // a failed encoder closes its input: its exit code says why
  encoder.stdin.on('error', () => undefined);
  let stderr = '';
  encoder.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = once(encoder, 'close') as Promise<[number | null]>;
  try {
    let at = 0;
    for await (const frame of streamFrames(videoPath, { fps: trace.fps, maxWidth: width })) {
      if (at >= trace.frames.length) break;
      const drawn = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
        .composite([{ input: Buffer.from(traceOverlaySvg(trace, at)), top: 0, left: 0 }])
        .removeAlpha()
        .raw()
        .toBuffer();
      if (!encoder.stdin.write(drawn)) await once(encoder.stdin, 'drain');
      at++;
    }
  } finally {
    encoder.stdin.end();
  }
  const [code] = await exited;
  if (code !== 0) throw new Error(`ffmpeg could not encode the detector clip (exit ${code}): ${stderr.trim()}`);
}
