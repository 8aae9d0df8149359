import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { keyIdOf } from '../core/audit-checkpoint.js';
import type { Logger } from '../logger.js';

/**
 * The Ed25519 keys the API signs with, one per purpose: `checkpoint` signs audit checkpoints, `case-file` signs case
 * files (README "Case files" says why they are two). A key comes from its PEM setting (AUDIT_SIGNING_KEY,
 * CASE_FILE_SIGNING_KEY; PKCS#8) when set, otherwise from `<AUDIT_KEY_DIR>/<purpose>-ed25519.key`, generated there on
 * first use (folder 0700, key 0600) with its public half beside it (`<purpose>-ed25519.pub`), which is what
 * auditors and recipients get to verify signatures offline.
 */

export type KeyPurpose = 'checkpoint' | 'case-file';

export const privateKeyFile = (purpose: KeyPurpose) => `${purpose}-ed25519.key`;
export const publicKeyFile = (purpose: KeyPurpose) => `${purpose}-ed25519.pub`;
export const PRIVATE_KEY_FILE = privateKeyFile('checkpoint');
export const PUBLIC_KEY_FILE = publicKeyFile('checkpoint');

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

function asSigningKey(privateKey: KeyObject, origin: string): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${origin} is a ${privateKey.asymmetricKeyType ?? 'symmetric'} key; signatures here are Ed25519`);
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
  options: { pem?: string | undefined; dir: string; purpose?: KeyPurpose },
  logger: Logger,
): Promise<SigningKey> {
  const purpose = options.purpose ?? 'checkpoint';
  if (options.pem) {
    return asSigningKey(
      createPrivateKey(options.pem),
      purpose === 'checkpoint' ? 'AUDIT_SIGNING_KEY' : 'CASE_FILE_SIGNING_KEY',
    );
  }
  const keyFile = path.join(options.dir, privateKeyFile(purpose));
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
  const publicFile = path.join(options.dir, publicKeyFile(purpose));
  await writeFile(publicFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  const key = asSigningKey(privateKey, keyFile);
  logger.info({ keyFile, publicFile, keyId: key.keyId, purpose }, `generated the ${purpose} signing key`);
  return key;
}
