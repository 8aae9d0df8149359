import { describe, expect, it } from 'vitest';
import { recorderArgs, type RecorderArgsOptions } from '../../src/live/recorder-args.js';

const base: RecorderArgsOptions = {
  sourceUrl: 'rtsp://cam.local/stream1',
  segmentSeconds: 60,
  copyCodec: true,
  outputPattern: '/footage/live/cam/123-%06d.mp4',
  listPath: '/footage/live/cam/123.csv',
  ioTimeoutSec: 10,
};
const args = (over: Partial<RecorderArgsOptions> = {}) => recorderArgs({ ...base, ...over });

/** The arguments that come before `-i`: the input options. */
const inputPart = (a: string[]) => a.slice(a.indexOf('-progress') + 2, a.indexOf('-i'));
/** The value following `flag`, or undefined. */
const valueOf = (a: string[], flag: string) => (a.includes(flag) ? a[a.indexOf(flag) + 1] : undefined);

const PROBE = ['-probesize', '1000000', '-analyzeduration', '1000000'];

describe('recorderArgs: input options per source kind', () => {
  it.each(['rtsp://cam.local/stream1', 'rtsps://cam.local/stream1', 'RTSP://CAM.LOCAL/stream1'])(
    'RTSP (%s) runs over TCP with a socket timeout in microseconds',
    (sourceUrl) => {
      expect(inputPart(args({ sourceUrl }))).toEqual(['-rtsp_transport', 'tcp', '-timeout', '10000000', ...PROBE]);
    },
  );

  it.each([
    'http://cam.local/video.mjpg',
    'https://cam.local/live.m3u8',
    'rtmp://server/live/key',
    'srt://host:9000',
    'udp://239.0.0.1:1234',
  ])('another network source (%s) gets a read/write timeout instead', (sourceUrl) => {
    expect(inputPart(args({ sourceUrl }))).toEqual(['-rw_timeout', '10000000', ...PROBE]);
  });

  it.each(['/footage/sample.mp4', 'relative/clip.mp4', 'file:///footage/sample.mp4', 'C:\\footage\\clip.mp4'])(
    'a file (%s) is read at its native frame rate, without a network timeout',
    (sourceUrl) => {
      const a = args({ sourceUrl });
      expect(inputPart(a)).toEqual(['-re', ...PROBE]);
      expect(a).not.toContain('-timeout');
      expect(a).not.toContain('-rw_timeout');
    },
  );

  it('rounds the timeout to whole microseconds', () => {
    expect(valueOf(args({ ioTimeoutSec: 2.5 }), '-timeout')).toBe('2500000');
    expect(valueOf(args({ ioTimeoutSec: 0.0000015 }), '-timeout')).toBe('2');
    expect(valueOf(args({ sourceUrl: 'http://x/y', ioTimeoutSec: 3 }), '-rw_timeout')).toBe('3000000');
  });

  it('puts the input options before -i and the source right after it', () => {
    const a = args();
    expect(a.indexOf('-rtsp_transport')).toBeLessThan(a.indexOf('-i'));
    expect(valueOf(a, '-i')).toBe(base.sourceUrl);
  });
});

describe('recorderArgs: codec', () => {
  it('copies the video stream when asked', () => {
    const a = args({ copyCodec: true });
    expect(valueOf(a, '-c:v')).toBe('copy');
    expect(a).not.toContain('-force_key_frames');
    expect(a).not.toContain('libx264');
  });

  it('otherwise re-encodes with a keyframe at every cut point', () => {
    const a = args({ copyCodec: false, segmentSeconds: 30 });
    expect(valueOf(a, '-c:v')).toBe('libx264');
    expect(valueOf(a, '-preset')).toBe('veryfast');
    expect(valueOf(a, '-force_key_frames')).toBe('expr:gte(t,n_forced*30)');
  });
});

describe('recorderArgs: output', () => {
  it('keeps only the first video stream and no audio', () => {
    const a = args();
    expect(valueOf(a, '-map')).toBe('0:v:0');
    expect(a).toContain('-an');
  });

  it('writes fixed-length MP4 segments with a CSV list, the output pattern last', () => {
    const a = args({ segmentSeconds: 15 });
    expect(valueOf(a, '-f')).toBe('segment');
    expect(valueOf(a, '-segment_time')).toBe('15');
    expect(valueOf(a, '-reset_timestamps')).toBe('1');
    expect(valueOf(a, '-segment_format')).toBe('mp4');
    expect(valueOf(a, '-segment_list')).toBe(base.listPath);
    expect(valueOf(a, '-segment_list_type')).toBe('csv');
    expect(a.at(-1)).toBe(base.outputPattern);
    expect(a).not.toContain('-strftime');
  });

  it('reports progress on stdout and keeps stderr for errors', () => {
    const a = args();
    expect(a.slice(0, 6)).toEqual(['-hide_banner', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1']);
  });

  it('is the full expected command line for an RTSP camera, copied', () => {
    expect(args()).toEqual([
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostats',
      '-progress',
      'pipe:1',
      '-rtsp_transport',
      'tcp',
      '-timeout',
      '10000000',
      ...PROBE,
      '-i',
      'rtsp://cam.local/stream1',
      '-map',
      '0:v:0',
      '-an',
      '-c:v',
      'copy',
      '-f',
      'segment',
      '-segment_time',
      '60',
      '-reset_timestamps',
      '1',
      '-segment_format',
      'mp4',
      '-segment_list',
      '/footage/live/cam/123.csv',
      '-segment_list_type',
      'csv',
      '/footage/live/cam/123-%06d.mp4',
    ]);
  });
});

describe('recorderArgs: live analysis frames', () => {
  it('adds no second output unless frames are asked for', () => {
    expect(args()).not.toContain('pipe:3');
  });

  it('writes PPM frames at the analysis rate, no wider than asked, to fd 3 after the segments', () => {
    const a = args({ frames: { fps: 5, maxWidth: 1280 } });
    expect(a.indexOf('pipe:3')).toBe(a.length - 1);
    expect(a.indexOf(base.outputPattern)).toBeLessThan(a.indexOf('pipe:3'));
    const second = a.slice(a.indexOf(base.outputPattern) + 1);
    expect(valueOf(second, '-vf')).toBe("fps=5,scale='min(iw,1280)':-2");
    expect(valueOf(second, '-c:v')).toBe('ppm');
    expect(valueOf(second, '-f')).toBe('image2pipe');
  });
});
