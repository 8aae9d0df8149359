import { describe, expect, it } from 'vitest';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../src/auth/passwords.js';

describe('password hashing', () => {
  it('stores scrypt with its parameters and a fresh salt, and verifies only the same password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$15\$8\$3\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(b, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(a, 'correct horse batterY')).toBe(false);
    expect(await verifyPassword(a, '')).toBe(false);
  });

  it('takes a Hangul password typed composed or decomposed as the same one', async () => {
    const composed = '비밀번호 한글 2026';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(await verifyPassword(await hashPassword(composed), decomposed)).toBe(true);
  });

  it('matches nothing against a malformed hash or one asking for absurd parameters', async () => {
    const good = await hashPassword('correct horse battery');
    const [, , r, p, salt, key] = good.split('$');
    for (const stored of ['', 'plain text', good.replace('scrypt', 'bcrypt'), `scrypt$30$${r}$${p}$${salt}$${key}`])
      expect(await verifyPassword(stored, 'correct horse battery')).toBe(false);
  });

  it('keeps one dummy hash, with the parameters of a real one, that no password matches', async () => {
    const dummy = await dummyPasswordHash();
    expect(await dummyPasswordHash()).toBe(dummy);
    const params = (h: string) => h.split('$').slice(0, 4).join('$');
    expect(params(dummy)).toBe(params(await hashPassword('x')));
    expect(await verifyPassword(dummy, '')).toBe(false);
  });
});
