import { describe, expect, it } from 'vitest';
import { CAPTURE_TIME_SOURCES, chooseCaptureTime, isEstimated } from '../../src/core/capture-time.js';

const received = new Date('2026-12-02T04:16:29Z');
const container = new Date('2021-08-06T13:52:37Z');
const modified = new Date('2021-08-06T13:53:00Z');

describe('chooseCaptureTime', () => {
  it('takes the best clue there is: explicit > recorder > container > file modified > received', () => {
    const explicit = new Date('2021-08-06T06:52:29Z');
    const recorder = new Date('2021-08-06T06:52:30Z');
    const all = { explicit, recorder, container, fileModified: modified, received, durationSec: 10 };
    expect(chooseCaptureTime(all)).toEqual({ time: explicit, source: 'explicit' });
    expect(chooseCaptureTime({ ...all, explicit: undefined })).toEqual({ time: recorder, source: 'recorder' });
    expect(chooseCaptureTime({ received, container, fileModified: modified, durationSec: 10 })).toEqual({
      time: container,
      source: 'container',
    });
    expect(chooseCaptureTime({ received, durationSec: 10 })).toEqual({ time: received, source: 'received' });
  });

  it('puts the start of a file known by its modification time one duration earlier (recording ended then)', () => {
    expect(chooseCaptureTime({ fileModified: modified, received, durationSec: 10.4 })).toEqual({
      time: new Date('2021-08-06T13:52:49.600Z'),
      source: 'file_modified',
    });
  });

  it('skips an invalid date', () => {
    expect(chooseCaptureTime({ container: new Date('nonsense'), received, durationSec: 1 }).source).toBe('received');
  });
});

describe('isEstimated', () => {
  it('trusts only an explicit start and the recorder clock', () => {
    expect(CAPTURE_TIME_SOURCES.filter((s) => !isEstimated(s))).toEqual(['explicit', 'recorder']);
  });
});
