import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LiveFrames, PpmSplitter } from '../../src/live/live-frames.js';

const ppm = (width: number, height: number, fill: number) =>
  Buffer.concat([Buffer.from(`P6\n${width} ${height}\n255\n`, 'latin1'), Buffer.alloc(width * height * 3, fill)]);

describe('PpmSplitter', () => {
  it('splits back-to-back PPM images cut anywhere into frames stamped index / fps', () => {
    const stream = Buffer.concat([ppm(4, 2, 1), ppm(4, 2, 2), ppm(4, 2, 3)]);
    for (const cut of [1, 5, 13, 24, 30, 47, 100]) {
      const splitter = new PpmSplitter(5);
      const frames = [];
      for (let at = 0; at < stream.length; at += cut) frames.push(...splitter.push(stream.subarray(at, at + cut)));
      expect(frames.map((f) => [f.index, f.timestamp, f.width, f.height, f.data[0], f.data.length])).toEqual([
        [0, 0, 4, 2, 1, 24],
        [1, 0.2, 4, 2, 2, 24],
        [2, 0.4, 4, 2, 3, 24],
      ]);
    }
  });

  it('refuses a stream that is not 8-bit PPM', () => {
    expect(() => new PpmSplitter(5).push(Buffer.alloc(100, 65))).toThrow(/not a PPM stream/);
    expect(() => new PpmSplitter(5).push(Buffer.from('P6\n2 2\n65535\n'))).toThrow(/maxval 65535/);
  });
});

describe('LiveFrames', () => {
  it('drops the oldest waiting frames when the consumer is behind, and ends with the stream', async () => {
    const pipe = new PassThrough();
    const frames = new LiveFrames(pipe, 10, { keep: 2 });
    for (let i = 0; i < 5; i++) pipe.write(ppm(2, 2, i));
    pipe.end();
    const seen = [];
    for await (const f of frames) seen.push(f.data[0]);
    expect(seen).toEqual([3, 4]);
    expect(frames).toMatchObject({ received: 5, dropped: 3 });
  });

  it('lossless: stops reading while frames wait instead of dropping them', async () => {
    const pipe = new PassThrough();
    const frames = new LiveFrames(pipe, 10, { keep: 2, lossless: true });
    for (let i = 0; i < 5; i++) pipe.write(ppm(2, 2, i));
    pipe.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(pipe.isPaused()).toBe(true);
    const seen = [];
    for await (const f of frames) seen.push(f.data[0]);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(frames.dropped).toBe(0);
  });
});

describe('LiveFrames.discard', () => {
  it('drops what waits and what comes, and lets a lossless stream flow again', async () => {
    const pipe = new PassThrough();
    const frames = new LiveFrames(pipe, 10, { keep: 1, lossless: true });
    pipe.write(ppm(2, 2, 0));
    pipe.write(ppm(2, 2, 1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(pipe.isPaused()).toBe(true);
    frames.discard();
    expect(pipe.isPaused()).toBe(false);
    pipe.end(ppm(2, 2, 2));
    await new Promise((resolve) => pipe.once('end', resolve));
    expect(frames).toMatchObject({ received: 3, dropped: 3 });
  });
});
