import { describe, expect, it } from 'vitest';
import { sourceUrlProblem } from '../../src/core/camera-config.js';

describe('sourceUrlProblem', () => {
  it.each([
    'rtsp://192.168.0.10:554/stream1',
    'RTSPS://cam.local/s',
    'https://cam.local/live.m3u8',
    'srt://host:9000',
    'udp://239.0.0.1:1234',
    'file:///footage/camera1.mp4',
  ])('takes %s', (url) => {
    expect(sourceUrlProblem(url)).toBeNull();
  });

  it.each([
    ['rtsp//bad', /start with a scheme and :\/\//],
    ['/footage/camera1.mp4', /start with a scheme/],
    ['ftp://cam.local/x', /scheme ftp is not supported/],
    ['rtsp:///stream1', /needs a host/],
    ['http://', /cannot be parsed|needs a host/],
    ['file://', /needs a path/],
    ['rtsp://[::1', /cannot be parsed/],
  ])('refuses %s, saying why', (url, why) => {
    expect(sourceUrlProblem(url)).toMatch(why);
  });
});
