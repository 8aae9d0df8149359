import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may be delivered. An ops key can subscribe any URL, so without a check a
 * subscription could make the server probe its own network (Postgres on 127.0.0.1:5432, the cloud
 * metadata service on 169.254.169.254) and read the answers in the delivery log. Every address a
 * receiver's name resolves to must be public; hosts named in WEBHOOK_ALLOWED_HOSTS (a sign
 * controller on the camera's LAN, a test receiver) are exempt. Checked when subscribing and again
 * before each delivery, since names can be re-pointed.
 */

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');

/** Whether an IP address is loopback, private, link-local, multicast or otherwise not on the public internet. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Parses WEBHOOK_ALLOWED_HOSTS: comma-separated host names or addresses, lower-cased. */
export function allowedHosts(setting: string): Set<string> {
  return new Set(
    setting
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Why `url` may not receive webhooks, or undefined when it may. */
export async function webhookTargetProblem(url: string, allowed: ReadonlySet<string>): Promise<string | undefined> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (allowed.has(host)) return undefined;
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return `${host} does not resolve`;
  }
  const internal = addresses.find(isPrivateAddress);
  if (internal)
    return `${host} resolves to ${internal}, a private, loopback or link-local address; add it to WEBHOOK_ALLOWED_HOSTS if this receiver is meant to be internal`;
  return undefined;
}
