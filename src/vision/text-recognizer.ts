import type { RgbImage } from './image.js';

export interface CharRead {
  char: string;
  /** 0..1 */
  confidence: number;
  /** the likeliest characters at this position with their probabilities, best first, when the recogniser gives them */
  options?: Array<{ char: string; confidence: number }>;
}

export interface TextRead {
  text: string;
  /** 0..1, mean of the character confidences; 0 for an empty read */
  confidence: number;
  chars: CharRead[];
}

/** Reads the text of each image: PP-OCR (one line, no Hangul) or our Korean plate recogniser. */
export interface TextRecognizer {
  name: string;
  /** sha256 of the model file, recorded with the analysis run */
  sha256: string;
  /** true when it takes whole plates and splits two-row plates itself; otherwise it is given one row per image */
  readonly wholePlate?: boolean;
  recognize(images: RgbImage[]): Promise<TextRead[]>;
}

/** Assemble a TextRead from per-character reads. */
export function textRead(chars: CharRead[]): TextRead {
  const confidence = chars.length ? chars.reduce((s, c) => s + c.confidence, 0) / chars.length : 0;
  return { text: chars.map((c) => c.char).join(''), confidence, chars };
}
