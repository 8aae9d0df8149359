import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { keyIdOf } from '../core/audit-checkpoint.js';
import type { Logger } from '../logger.js';

/**
 * The Ed25519 key that signs audit checkpoints. It comes from AUDIT_SIGNING_KEY (a PKCS#8 PEM) when set, otherwise
 * from `<AUDIT_KEY_DIR>/checkpoint-ed25519.key`, generated there on first use (folder 0700, key 0600) with its
 * public half beside it (`checkpoint-ed25519.pub`), which is what auditors get to verify checkpoints offline.
 */

export const PRIVATE_KEY_FILE = 'checkpoint-ed25519.key';
export const PUBLIC_KEY_FILE = 'checkpoint-ed25519.pub';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

function asSigningKey(privateKey: KeyObject, origin: string): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${origin} is a ${privateKey.asymmetricKeyType ?? 'symmetric'} key; checkpoints need Ed25519`);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** Reads a PEM public key (SPKI) file, refusing anything but Ed25519. */
export async function readPublicKey(file: string): Promise<KeyObject> {
  const key = createPublicKey(await readFile(file, 'utf8'));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 public key`);
  return key;
}

export async function loadSigningKey(
  options: { pem?: string | undefined; dir: string },
  logger: Logger,
): Promise<SigningKey> {
  if (options.pem) return asSigningKey(createPrivateKey(options.pem), 'AUDIT_SIGNING_KEY');
  const keyFile = path.join(options.dir, PRIVATE_KEY_FILE);
  try {
    const { mode } = await stat(keyFile);
    // Like ssh: a signing key others can read signs nothing, since anyone could have forged with it.
    if ((mode & 0o077) !== 0) {
      throw new Error(`${keyFile} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
    }
    return asSigningKey(createPrivateKey(await readFile(keyFile, 'utf8')), keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // Written whole under a temporary name, then linked into place: when two processes start at once, one key wins
  // and the other process reads it complete.
  const staging = `${keyFile}.${process.pid}.tmp`;
  await writeFile(staging, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  try {
    await link(staging, keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadSigningKey(options, logger);
    throw err;
  } finally {
    await unlink(staging);
  }
  const publicFile = path.join(options.dir, PUBLIC_KEY_FILE);
  await writeFile(publicFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  const key = asSigningKey(privateKey, keyFile);
  logger.info({ keyFile, publicFile, keyId: key.keyId }, 'generated the audit checkpoint signing key');
  return key;
}
