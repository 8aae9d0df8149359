import type { PlateFormatSetting } from '../core/camera-config.js';
import { plateOfRecord, votePlate } from '../core/plate-vote.js';
import { encodePng } from '../vision/image.js';
import { createKoreanRecognizer } from '../vision/korean-recognizer.js';
import { createPlateReader, type PlateRead } from '../vision/plate-reader.js';
import type { VehicleShot } from './best-frames.js';
import type { PlateReading } from './types.js';

/** A track's plate: the voted reading, the crop that best shows it, and per-picture detail for the manifest. */
export interface TrackPlate {
  reading: PlateReading;
  /** PNG of the best plate crop; null when no picture showed a plate */
  cropPng: Buffer | null;
  detail: Array<{ frameIndex: number; weight: number; text: string; plateType: string | null; layout: string | null }>;
}

export interface TrackPlateReader {
  /** model name → sha256 of the plate models */
  fingerprints: Record<string, string>;
  /** `plateFormat` none: the plate is found and cropped, but no text is read into it */
  read(shots: readonly VehicleShot[], plateFormat: PlateFormatSetting): Promise<TrackPlate>;
}

const TOP_K = 5;

const NO_PLATE: PlateReading = {
  text: null,
  confidence: 0,
  candidates: [],
  format: null,
  plateType: null,
  reads: 0,
  syllableOptions: [],
};

/**
 * Reads the plate on each of a track's best pictures and votes per character across them,
 * weighting each read by the picture's quality relative to the best one. Only a reading that fits
 * the plate grammar and is sure enough becomes the plate's text (plateOfRecord).
 */
export async function createTrackPlateReader(): Promise<TrackPlateReader> {
  // Our Korean recogniser reads the Hangul syllable that PP-OCR cannot (models/training/REPORT.md).
  const reader = await createPlateReader({ recognizer: await createKoreanRecognizer() });
  return {
    fingerprints: {
      vin_lpd: reader.models.plateDetector,
      hyperlpr3_corners: reader.models.plateCorners,
      [reader.models.recognizer.name]: reader.models.recognizer.sha256,
    },
    async read(shots, plateFormat) {
      const best = shots[0]?.quality ?? 1;
      const reads: Array<{ read: PlateRead; weight: number; frameIndex: number }> = [];
      for (const shot of shots) {
        const read = await reader.readPlate(shot.image, shot.box);
        if (read) reads.push({ read, weight: best > 0 ? shot.quality / best : 1, frameIndex: shot.frameIndex });
      }
      if (reads.length === 0) return { reading: NO_PLATE, cropPng: null, detail: [] };

      const withText = reads.filter((r) => r.read.chars.length > 0);
      const vote =
        withText.length > 0
          ? votePlate(
              withText.map((r) => ({ chars: r.read.chars, weight: r.weight })),
              { topK: TOP_K },
            )
          : null;
      const meanConfidence = (r: PlateRead) =>
        r.chars.length ? r.chars.reduce((s, c) => s + c.confidence, 0) / r.chars.length : 0;
      const showcase = [...reads].sort(
        (a, b) => b.weight * (0.5 + meanConfidence(b.read)) - a.weight * (0.5 + meanConfidence(a.read)),
      )[0]!;
      const text = vote && plateFormat === 'kr' ? plateOfRecord(vote) : null;
      return {
        reading: {
          text,
          confidence: text && vote ? vote.confidence : 0,
          candidates: plateFormat === 'kr' ? (vote?.candidates ?? []) : [],
          format: text && vote ? vote.format : null,
          plateType: showcase.read.plateType ?? null,
          reads: plateFormat === 'kr' ? withText.length : 0,
          syllableOptions: plateFormat === 'kr' ? (vote?.syllableOptions ?? []) : [],
        },
        cropPng: await encodePng(showcase.read.crop),
        detail: reads.map((r) => ({
          frameIndex: r.frameIndex,
          weight: r.weight,
          text: plateFormat === 'kr' ? r.read.text : '',
          plateType: r.read.plateType ?? null,
          layout: r.read.layout ?? null,
        })),
      };
    },
  };
}
