/**
 * The frame's pixels as an ArrayBuffer to move to another thread without a copy: frames that own their buffer (the
 * decoders allocate one per frame) give it up; a view into a larger buffer is copied out first.
 */
export function transferablePixels(data: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = data;
  return byteOffset === 0 && byteLength === buffer.byteLength ? (buffer as ArrayBuffer) : data.slice().buffer;
}
