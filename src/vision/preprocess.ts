import { letterbox, type Letterbox } from '../core/boxes.js';
import type { Tile } from '../core/detection-plan.js';
import type { RgbImage } from './image.js';
import type { InputSpec } from './model-manifest.js';

/** Per-channel lookup from a 0..255 value to the model's normalised value, in the model's channel order. */
function channelTables(spec: InputSpec): Float32Array[] {
  return [0, 1, 2].map((c) => {
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v * spec.scale - spec.mean[c]!) / spec.std[c]!;
    return table;
  });
}

/**
 * Bilinear resize of the `region` of `image` into the rectangle (offX, offY, w, h) of a dstW x dstH
 * NCHW float tensor, normalised through the spec; the rest holds the normalised pad value.
 * Interpolating after the (linear) normalisation equals normalising after interpolation.
 */
function fill(
  image: RgbImage,
  region: Tile,
  spec: InputSpec,
  dstW: number,
  dstH: number,
  offX: number,
  offY: number,
  w: number,
  h: number,
): Float32Array {
  const plane = dstW * dstH;
  const out = new Float32Array(3 * plane);
  const tables = channelTables(spec);
  // Source RGB channel feeding each output plane.
  const order = spec.channels === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let c = 0; c < 3; c++) out.fill(tables[c]![Math.round(spec.pad)]!, c * plane, (c + 1) * plane);

  const { width: sw, height: sh } = region;
  const { data } = image;
  const stride = image.width * 3;
  const sx = sw / w;
  const sy = sh / h;
  const x0s = new Int32Array(w);
  const x1s = new Int32Array(w);
  const wxs = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), sw - 1);
    const x0 = Math.floor(fx);
    x0s[x] = (region.x + x0) * 3;
    x1s[x] = (region.x + Math.min(x0 + 1, sw - 1)) * 3;
    wxs[x] = fx - x0;
  }
  const t0 = tables[0]!,
    t1 = tables[1]!,
    t2 = tables[2]!;
  const [o0, o1, o2] = [order[0]!, order[1]!, order[2]!];
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const wy = fy - y0;
    const r0 = (region.y + y0) * stride;
    const r1 = (region.y + Math.min(y0 + 1, sh - 1)) * stride;
    let dst = (y + offY) * dstW + offX;
    for (let x = 0; x < w; x++, dst++) {
      const a = r0 + x0s[x]!,
        b = r0 + x1s[x]!,
        cc = r1 + x0s[x]!,
        d = r1 + x1s[x]!;
      const wx = wxs[x]!;
      const w00 = (1 - wx) * (1 - wy),
        w01 = wx * (1 - wy),
        w10 = (1 - wx) * wy,
        w11 = wx * wy;
      out[dst] =
        t0[data[a + o0]!]! * w00 + t0[data[b + o0]!]! * w01 + t0[data[cc + o0]!]! * w10 + t0[data[d + o0]!]! * w11;
      out[plane + dst] =
        t1[data[a + o1]!]! * w00 + t1[data[b + o1]!]! * w01 + t1[data[cc + o1]!]! * w10 + t1[data[d + o1]!]! * w11;
      out[2 * plane + dst] =
        t2[data[a + o2]!]! * w00 + t2[data[b + o2]!]! * w01 + t2[data[cc + o2]!]! * w10 + t2[data[d + o2]!]! * w11;
    }
  }
  return out;
}

/**
 * Keep-ratio letterbox into dstW x dstH (centred or top-left), as an NCHW float tensor: of the whole image, or of
 * `region` of it exactly as of that region cut out (without copying it).
 */
export function letterboxTensor(
  image: RgbImage,
  spec: InputSpec,
  dstW: number,
  dstH: number,
  center: boolean,
  region: Tile = { x: 0, y: 0, width: image.width, height: image.height },
): { data: Float32Array; lb: Letterbox } {
  const lb = letterbox(region.width, region.height, dstW, dstH, { center });
  return { data: fill(image, region, spec, dstW, dstH, lb.padX, lb.padY, lb.width, lb.height), lb };
}

/** Plain (stretching) resize to dstW x dstH, as an NCHW float tensor. */
export function stretchTensor(image: RgbImage, spec: InputSpec, dstW: number, dstH: number): Float32Array {
  return fill(image, { x: 0, y: 0, width: image.width, height: image.height }, spec, dstW, dstH, 0, 0, dstW, dstH);
}
