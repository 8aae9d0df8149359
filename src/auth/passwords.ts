import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with Node's built-in scrypt (memory-hard; README "Accounts" says why not argon2). The stored
 * form carries its parameters and salt, `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`, so they can be raised
 * later without breaking existing hashes. N=2^15, r=8, p=3 is one of OWASP's recommended scrypt settings (32 MiB).
 */
const LOG_N = 15;
const R = 8;
const P = 3;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, LOG_N, R, P);
  return ['scrypt', LOG_N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

const STORED = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** Whether `password` matches the stored hash, compared in constant time. A malformed hash matches nothing. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const m = STORED.exec(stored);
  // parameters beyond these would be a tampered row asking for gigabytes, not a hash of ours
  if (!m || Number(m[1]) > 20 || Number(m[2]) > 16 || Number(m[3]) > 16) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  const key = await derive(password, Buffer.from(m[4]!, 'base64'), Number(m[1]), Number(m[2]), Number(m[3]));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;

/**
 * A hash of a random password nobody knows: a login name that does not exist is checked against it, so an unknown
 * name costs the same scrypt work as a wrong password and the response time does not tell names apart.
 */
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(32).toString('base64url'));
  return dummy;
}
