import { access } from 'node:fs/promises';
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import type { CaptureTimeSource } from '../core/capture-time.js';
import { DEFAULT_SIGN_WARNINGS } from '../core/sign-warning.js';
import type { ZoneKind } from '../core/types.js';
import { formatWallClock, wallClock } from '../core/wall-clock.js';
import type { CasePlace } from './format.js';

/** The place of the offence: address and coordinates as recorded, and the camera; says so when none was recorded. */
export function placeText(place: CasePlace | null, cameraName: string): string {
  const parts: string[] = [];
  if (place?.address) parts.push(place.address);
  if (place?.latitude != null && place.longitude != null) {
    parts.push(`위도 ${place.latitude.toFixed(6)}, 경도 ${place.longitude.toFixed(6)}`);
  }
  if (parts.length === 0) parts.push('주소 미등록');
  return `${parts.join(' · ')} (카메라 「${cameraName}」)`;
}

/** What the one-page notice sheet (안내서) of a case file states. */
export interface NoticeFacts {
  violationId: string;
  plate: { text: string | null; confidence: number | null; corrected: boolean };
  camera: { name: string; timezone: string };
  place: CasePlace | null;
  zone: { name: string; kind: ZoneKind };
  /** e.g. 체류 5.2초 · 이동 11.8% */
  measured: string;
  time: { start: Date; end: Date; source: CaptureTimeSource; estimated: boolean };
  reviewers: ReadonlyArray<{ name: string; decision: string; at: Date }>;
  /** sha256 of the evidence package's manifest.json, the hash the audit chain recorded */
  packageSha256: string;
  keyId: string;
  createdAt: Date;
  images: { entry: Buffer; peak: Buffer; exit: Buffer; plate: Buffer | null; vehicle: Buffer | null };
  /** on the busiest picture: faces, plates found, other vehicles' plate areas */
  blurred: { faces: number; plates: number; vehicles: number };
}

export interface NoticeFont {
  /** a TrueType/OpenType file or collection with Hangul */
  file: string;
  /** the face's PostScript name inside a collection (.ttc); ignored for a single font */
  face?: string | undefined;
}

/** The Hangul font the notice needs is not there (or is not a font pdfkit reads). */
export class NoticeFontError extends Error {
  override readonly name = 'NoticeFontError';
}

const ZONE_KIND_KO: Record<ZoneKind, string> = {
  sidewalk: '보도',
  crosswalk: '횡단보도',
  park: '공원',
  restricted_road: '통행 제한 도로',
  other: '기타',
};

const TIME_SOURCE_KO: Record<CaptureTimeSource, string> = {
  explicit: '운영자가 입력한 촬영 시작 시각',
  recorder: '실시간 녹화기의 시계',
  container: '영상 파일 메타데이터(creation_time)',
  file_modified: '영상 파일의 수정 시각',
  received: '영상을 받은 시각',
};

const DECISION_KO: Record<string, string> = { confirm: '확정', reject: '기각', correct_plate: '번호 정정' };

/** `+09:00`: the zone's offset from UTC at that instant. */
export function utcOffset(instant: Date, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  const local = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const minutes = Math.round((local - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `2021-08-06 13:52:27 – 13:52:32 (Asia/Ho_Chi_Minh, UTC+07:00)`, with 추정 when the capture time is estimated. */
export function noticeTime(time: NoticeFacts['time'], timeZone: string): string {
  const start = formatWallClock(time.start, timeZone);
  const end = formatWallClock(time.end, timeZone);
  const sameDay = start.slice(0, 10) === end.slice(0, 10);
  const span = `${start} – ${sameDay ? end.slice(11) : end}`;
  return `${span} (${timeZone}, UTC${utcOffset(time.start, timeZone)})${time.estimated ? ' 추정' : ''}`;
}

async function fitted(image: Buffer, width: number): Promise<Buffer> {
  return sharp(image).resize({ width, withoutEnlargement: true }).jpeg({ quality: 85 }).toBuffer();
}

/** Checks the font before any work is done, so a missing one is a clear problem rather than a half-built file. */
export async function checkNoticeFont(font: NoticeFont): Promise<void> {
  try {
    await access(font.file);
  } catch {
    throw new NoticeFontError(
      `the Hangul font for the case file's notice is missing: ${font.file} (install Debian's fonts-noto-cjk or set CASE_FILE_FONT)`,
    );
  }
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 36;

/** The one-page notice sheet, A4, in Korean. */
export async function renderNotice(facts: NoticeFacts, font: NoticeFont): Promise<Buffer> {
  await checkNoticeFont(font);
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: 0 },
    autoFirstPage: true,
    info: {
      Title: `이륜차 통행 위반 안내서 ${facts.violationId}`,
      Author: 'motoguard',
      Subject: 'case file notice',
      CreationDate: facts.createdAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    doc.registerFont('kr', font.file, font.file.toLowerCase().endsWith('.ttc') ? font.face : undefined);
    doc.font('kr');
  } catch (err) {
    throw new NoticeFontError(
      `the font ${font.file}${font.face ? ` (${font.face})` : ''} cannot be used for the notice: ${(err as Error).message}`,
    );
  }

  const tz = facts.camera.timezone;
  const contentWidth = A4.width - 2 * MARGIN;
  let y = MARGIN;

  doc.fontSize(17).fillColor('black').text('이륜차 통행 위반 안내서', MARGIN, y, { lineBreak: false });
  doc
    .fontSize(8)
    .fillColor('#555555')
    .text(`사건 번호 ${facts.violationId}`, MARGIN, y + 6, { width: contentWidth, align: 'right', lineBreak: false });
  y += 28;
  doc
    .moveTo(MARGIN, y)
    .lineTo(A4.width - MARGIN, y)
    .lineWidth(0.8)
    .strokeColor('#333333')
    .stroke();
  y += 8;

  // The peak moment large, entry and exit beside the plate and the vehicle below it.
  const peakHeight = (contentWidth * 9) / 16;
  doc.image(await fitted(facts.images.peak, 1400), MARGIN, y, { fit: [contentWidth, peakHeight], align: 'center' });
  y += peakHeight + 2;
  doc
    .fontSize(7.5)
    .fillColor('#333333')
    .text(`최대 시점 (위반 차량은 빨간 상자)`, MARGIN, y, { width: contentWidth, lineBreak: false });
  y += 12;

  const gap = 6;
  const small = (contentWidth - 3 * gap) / 4;
  const smallHeight = (small * 9) / 16;
  const cells: Array<{ image: Buffer | null; label: string; png?: boolean }> = [
    { image: facts.images.entry, label: '진입' },
    { image: facts.images.exit, label: '이탈' },
    { image: facts.images.vehicle, label: '위반 차량' },
    { image: facts.images.plate, label: '번호판 (원본)', png: true },
  ];
  for (const [i, cell] of cells.entries()) {
    const x = MARGIN + i * (small + gap);
    doc.rect(x, y, small, smallHeight).lineWidth(0.4).strokeColor('#999999').stroke();
    if (cell.image) {
      const data = cell.png ? cell.image : await fitted(cell.image, 600);
      doc.image(data, x + 1, y + 1, { fit: [small - 2, smallHeight - 2], align: 'center', valign: 'center' });
    } else {
      doc
        .fontSize(8)
        .fillColor('#777777')
        .text('없음', x, y + smallHeight / 2 - 4, { width: small, align: 'center' });
    }
    doc
      .fontSize(7.5)
      .fillColor('#333333')
      .text(cell.label, x, y + smallHeight + 2, { width: small, align: 'center', lineBreak: false });
  }
  y += smallHeight + 16;

  const plate = facts.plate.text
    ? `${facts.plate.text}${facts.plate.corrected ? ' (검토자 정정)' : facts.plate.confidence !== null ? ` (판독 신뢰도 ${facts.plate.confidence.toFixed(2)})` : ''}`
    : '판독 불가';
  const reviewers =
    facts.reviewers.length > 0
      ? facts.reviewers
          .map((r) => `${r.name} · ${DECISION_KO[r.decision] ?? r.decision} · ${formatWallClock(r.at, tz)}`)
          .join('\n')
      : '없음';
  const rows: Array<[string, string, { mono?: boolean; lines?: number }?]> = [
    ['차량 번호', plate],
    ['위반 일시', noticeTime(facts.time, tz)],
    [
      '시각 출처',
      `${TIME_SOURCE_KO[facts.time.source]}${facts.time.estimated ? ' — 카메라 시계가 아닌 추정 시각' : ''}`,
    ],
    ['장소', placeText(facts.place, facts.camera.name)],
    ['구역', `${facts.zone.name} (${ZONE_KIND_KO[facts.zone.kind]})`],
    ['위반 내용', `${DEFAULT_SIGN_WARNINGS[facts.zone.kind]} 위반 · ${facts.measured}`],
    ['검토자', reviewers, { lines: Math.max(1, facts.reviewers.length) }],
    ['증거 패키지 해시', `sha256 ${facts.packageSha256}`, { mono: true }],
    ['전자 서명', `Ed25519, 키 ID ${facts.keyId} (공개키: GET /case-files/public-key)`],
    ['작성 시각', `${formatWallClock(facts.createdAt, tz)} (${tz})`],
  ];
  const labelWidth = 78;
  for (const [label, value, opts] of rows) {
    const lines = Math.min(opts?.lines ?? 1, 4);
    const height = 13 * lines + 3;
    doc.rect(MARGIN, y, contentWidth, height).lineWidth(0.3).strokeColor('#bbbbbb').stroke();
    doc
      .font('kr')
      .fontSize(8.5)
      .fillColor('#333333')
      .text(label, MARGIN + 4, y + 3, { width: labelWidth - 8, lineBreak: false });
    doc
      .font(opts?.mono ? 'Courier' : 'kr')
      .fontSize(opts?.mono ? 7.6 : 8.5)
      .fillColor('black')
      .text(value, MARGIN + labelWidth, y + 3, {
        width: contentWidth - labelWidth - 4,
        height: height - 2,
        ellipsis: true,
        lineGap: 1.5,
      });
    y += height;
  }
  doc.font('kr');
  y += 8;
  const notes = [
    `개인정보 보호: 이 파일의 영상과 사진에서 모든 얼굴(위반 차량 운전자 포함)과 위반 차량 외의 번호판을 흐림 처리했습니다` +
      ` (사진 한 장 기준 얼굴 ${facts.blurred.faces}건, 번호판 ${facts.blurred.plates}건, 다른 차량의 번호판 위치 ${facts.blurred.vehicles}건). 번호판 사진은 원본 그대로입니다.` +
      ` 흐림 처리 전 원본은 증거 보관소에 있으며 위 패키지 해시로 대조할 수 있습니다.`,
    `검증: npm run case-file:verify -- <파일.zip> --public-key <공개키.pem> — 서명과 모든 파일의 sha256을 확인합니다.`,
  ];
  doc
    .fontSize(7.5)
    .fillColor('#444444')
    .text(notes.join('\n'), MARGIN, y, {
      width: contentWidth,
      height: A4.height - y - 24,
      ellipsis: true,
      lineGap: 2,
    });
  doc.end();
  return finished;
}
