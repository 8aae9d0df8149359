import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInsideRoot, lexicallyInsideRoot } from '../../src/api/safe-path.js';

// The lexical half of the containment check: no file system access, so these paths need not exist.
const root = '/data/foot';

describe('isInsideRoot', () => {
  it('accepts the root itself and anything below it', () => {
    expect(isInsideRoot(root, '/data/foot')).toBe(true);
    expect(isInsideRoot(root, '/data/foot/a.mp4')).toBe(true);
    expect(isInsideRoot(root, '/data/foot/cam1/a.mp4')).toBe(true);
  });

  it('refuses parents, siblings with a common prefix and unrelated paths', () => {
    expect(isInsideRoot(root, '/data')).toBe(false);
    expect(isInsideRoot(root, '/data/footage')).toBe(false);
    expect(isInsideRoot(root, '/data/footage/a.mp4')).toBe(false);
    expect(isInsideRoot(root, '/etc/passwd')).toBe(false);
  });

  it('judges `..` by segment, not by prefix', () => {
    expect(isInsideRoot(root, '/data/foot/..dotted.mp4')).toBe(true);
    expect(isInsideRoot(root, '/data/foot/...')).toBe(true);
  });
});

describe('lexicallyInsideRoot', () => {
  it.each([
    ['a relative path', 'cam1/a.mp4', '/data/foot/cam1/a.mp4'],
    ['`.` segments', './cam1/./a.mp4', '/data/foot/cam1/a.mp4'],
    ['`..` that stays inside', 'cam1/../a.mp4', '/data/foot/a.mp4'],
    ['a name starting with two dots', '..dotted.mp4', '/data/foot/..dotted.mp4'],
    ['an absolute path inside', '/data/foot/a.mp4', '/data/foot/a.mp4'],
    ['the root itself', '.', '/data/foot'],
    ['a trailing slash', 'cam1/', '/data/foot/cam1'],
  ])('takes %s', (_name, requested, candidate) => {
    expect(lexicallyInsideRoot(root, requested)).toEqual({ absRoot: root, candidate });
  });

  it.each([
    ['the parent', '..'],
    ['a parent escape', '../footage/a.mp4'],
    ['a nested escape', 'cam1/../../footage/a.mp4'],
    ['a deep escape', '../../../../../../etc/passwd'],
    ['an absolute path outside', '/etc/passwd'],
    ['a sibling with a common prefix', '/data/footage/a.mp4'],
    ['a NUL byte', 'a.mp4\0.txt'],
  ])('refuses %s', (_name, requested) => {
    expect(lexicallyInsideRoot(root, requested)).toBeNull();
  });

  it('resolves a relative root against the working directory', () => {
    expect(lexicallyInsideRoot('var/footage', 'a.mp4')).toEqual({
      absRoot: path.resolve('var/footage'),
      candidate: path.resolve('var/footage/a.mp4'),
    });
  });
});
