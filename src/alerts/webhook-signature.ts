import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Headers every webhook request carries; receivers verify `signature` over `${timestamp}.${body}`. */
export const SIGNATURE_HEADER = 'x-motoguard-signature';
export const TIMESTAMP_HEADER = 'x-motoguard-timestamp';
export const DELIVERY_HEADER = 'x-motoguard-delivery';

/** A fresh subscription secret: 32 random bytes, hex. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('hex')}`;
}

/**
 * `v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. Signing the timestamp with the body lets receivers
 * reject replays older than a few minutes.
 */
export function signWebhook(secret: string, timestampSec: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex');
  return `v1=${mac}`;
}

/** Receiver side: constant-time check of the signature and of the timestamp's age. */
export function verifyWebhook(
  secret: string,
  timestampSec: number,
  body: string,
  signature: string,
  nowSec: number,
  toleranceSec = 300,
): boolean {
  if (!Number.isFinite(timestampSec) || Math.abs(nowSec - timestampSec) > toleranceSec) return false;
  const expected = Buffer.from(signWebhook(secret, timestampSec, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
