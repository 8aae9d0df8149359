import sharp from 'sharp';
import type { Box } from '../core/types.js';

/** Packed RGB image, 3 bytes per pixel, row-major. An RgbFrame is one too. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decode any image file sharp reads (JPEG, PNG, ...) to packed RGB. */
export async function loadImage(file: string | Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(file)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Integer pixel rectangle of `box` clamped to the image; empty boxes become 1 px. */
export function pixelRect(box: Box, width: number, height: number): { x: number; y: number; w: number; h: number } {
  const x = Math.min(Math.max(0, Math.floor(box.x1)), width - 1);
  const y = Math.min(Math.max(0, Math.floor(box.y1)), height - 1);
  const x2 = Math.min(width, Math.max(x + 1, Math.ceil(box.x2)));
  const y2 = Math.min(height, Math.max(y + 1, Math.ceil(box.y2)));
  return { x, y, w: x2 - x, h: y2 - y };
}

/** Copy of the pixels inside `box` (clamped to the image). */
export function cropImage(image: RgbImage, box: Box): RgbImage {
  const { x, y, w, h } = pixelRect(box, image.width, image.height);
  const data = new Uint8Array(w * h * 3);
  const rowBytes = w * 3;
  for (let row = 0; row < h; row++) {
    const from = ((y + row) * image.width + x) * 3;
    data.set(image.data.subarray(from, from + rowBytes), row * rowBytes);
  }
  return { width: w, height: h, data };
}

/** `box` grown by `fraction` of its width/height on each side, clamped to the image. */
export function expandBox(box: Box, fraction: number, width: number, height: number): Box {
  const dx = (box.x2 - box.x1) * fraction;
  const dy = (box.y2 - box.y1) * fraction;
  return {
    x1: Math.max(0, box.x1 - dx),
    y1: Math.max(0, box.y1 - dy),
    x2: Math.min(width, box.x2 + dx),
    y2: Math.min(height, box.y2 + dy),
  };
}

function toSharp(image: RgbImage): ReturnType<typeof sharp> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

/** Resize to exactly width x height (Lanczos when enlarging small plate crops keeps strokes sharp). */
export async function resizeImage(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  const data = await toSharp(image).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export async function encodePng(image: RgbImage): Promise<Buffer> {
  return toSharp(image).png().toBuffer();
}

/** `image` centred on a larger canvas of a flat grey, `padX`/`padY` pixels on each side. */
export function padImage(image: RgbImage, padX: number, padY: number, value = 114): RgbImage {
  const width = image.width + 2 * padX;
  const height = image.height + 2 * padY;
  const data = new Uint8Array(width * height * 3).fill(value);
  const rowBytes = image.width * 3;
  for (let row = 0; row < image.height; row++) {
    data.set(image.data.subarray(row * rowBytes, (row + 1) * rowBytes), ((row + padY) * width + padX) * 3);
  }
  return { width, height, data };
}
