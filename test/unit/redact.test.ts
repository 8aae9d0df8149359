import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/core/redact.js';

describe('redactUrl', () => {
  it('hides the password and secret-looking query values, and keeps where the URL points', () => {
    expect(redactUrl('rtsp://admin:hunter2@10.0.0.5:554/stream1')).toBe('rtsp://admin:***@10.0.0.5:554/stream1');
    expect(redactUrl('https://hooks.example/in?token=abc&camera=3')).toBe(
      'https://hooks.example/in?token=***&camera=3',
    );
    expect(redactUrl('http://u:p@sign.local/x?API_KEY=z')).toBe('http://u:***@sign.local/x?API_KEY=***');
  });

  it('leaves a URL without secrets, and text that is no URL, exactly as it was', () => {
    expect(redactUrl('rtsp://10.0.0.5/stream1')).toBe('rtsp://10.0.0.5/stream1');
    expect(redactUrl('tcp://127.0.0.1:9000')).toBe('tcp://127.0.0.1:9000');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});
