import { describe, expect, it } from 'vitest';
import { allowedHosts, isPrivateAddress, webhookTargetProblem } from '../../src/alerts/webhook-target.js';

describe('isPrivateAddress', () => {
  it('flags loopback, private, link-local, metadata, multicast and mapped addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.5',
      '192.168.1.10',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      'not an address',
    ])
      expect(isPrivateAddress(ip), ip).toBe(true);
  });

  it('passes public addresses', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '203.0.113.9', '2001:4860:4860::8888', '::ffff:8.8.8.8'])
      expect(isPrivateAddress(ip), ip).toBe(false);
  });
});

describe('webhookTargetProblem', () => {
  it('refuses internal receivers by address or by name, unless allowed', async () => {
    const none = allowedHosts('');
    expect(await webhookTargetProblem('http://169.254.169.254/latest/meta-data', none)).toMatch(/169\.254\.169\.254/);
    expect(await webhookTargetProblem('http://127.0.0.1:5432/', none)).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
    expect(await webhookTargetProblem('http://[::1]:6379/', none)).toMatch(/::1/);
    expect(await webhookTargetProblem('http://localhost:6379/', none)).toMatch(/private, loopback/);
    const allowed = allowedHosts(' 127.0.0.1 , Sign.local ');
    expect(await webhookTargetProblem('http://127.0.0.1:9000/hook', allowed)).toBeUndefined();
    expect(await webhookTargetProblem('http://sign.local/hook', allowed)).toBeUndefined();
  });

  it('passes a public address', async () => {
    expect(await webhookTargetProblem('https://203.0.113.9/hook', allowedHosts(''))).toBeUndefined();
  });
});
