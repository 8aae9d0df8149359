import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFolderInsideRoot, resolveInsideRoot } from '../../src/api/safe-path.js';

// What the file system adds to the lexical check (symlinks, missing files, files vs folders); the lexical
// rules alone are unit-tested in test/unit/safe-path.test.ts. Layout under a temp dir:
//   data/foot/                 the root
//     clip.mp4                 (5 bytes)
//     ..dotted.mp4             a name that starts with two dots
//     cam1/inner.mp4
//     link-in.mp4   -> cam1/inner.mp4        (stays inside)
//     link-out.mp4  -> ../footage/other.mp4  (leads to the sibling)
//     link-dir-out  -> ../footage            (a folder link leading out)
//     dangling.mp4  -> nowhere.mp4
//   data/footage/other.mp4     sibling with a common prefix
//   data/root-link -> foot     a root that is itself a symlink
let tmp: string;
let data: string;
let root: string;

beforeAll(async () => {
  tmp = await realpath(await mkdtemp(path.join(tmpdir(), 'safe-path-')));
  data = path.join(tmp, 'data');
  root = path.join(data, 'foot');
  await mkdir(path.join(root, 'cam1'), { recursive: true });
  await mkdir(path.join(data, 'footage'), { recursive: true });
  await writeFile(path.join(root, 'clip.mp4'), '12345');
  await writeFile(path.join(root, '..dotted.mp4'), 'x');
  await writeFile(path.join(root, 'cam1', 'inner.mp4'), 'inner');
  await writeFile(path.join(data, 'footage', 'other.mp4'), 'other');
  await symlink(path.join('cam1', 'inner.mp4'), path.join(root, 'link-in.mp4'));
  await symlink(path.join('..', 'footage', 'other.mp4'), path.join(root, 'link-out.mp4'));
  await symlink(path.join('..', 'footage'), path.join(root, 'link-dir-out'));
  await symlink('nowhere.mp4', path.join(root, 'dangling.mp4'));
  await symlink('foot', path.join(data, 'root-link'));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('resolveInsideRoot (a file)', () => {
  it('finds a file by relative path, with its real path and size', async () => {
    expect(await resolveInsideRoot(root, 'clip.mp4')).toEqual({
      ok: true,
      file: path.join(root, 'clip.mp4'),
      sizeBytes: 5,
    });
    expect(await resolveInsideRoot(root, 'cam1/inner.mp4')).toEqual({
      ok: true,
      file: path.join(root, 'cam1', 'inner.mp4'),
      sizeBytes: 5,
    });
  });

  it('accepts an absolute path when it lies inside the root', async () => {
    expect(await resolveInsideRoot(root, path.join(root, 'clip.mp4'))).toMatchObject({
      ok: true,
      file: path.join(root, 'clip.mp4'),
    });
  });

  it('accepts `..` segments that stay inside the root', async () => {
    expect(await resolveInsideRoot(root, 'cam1/../clip.mp4')).toMatchObject({
      ok: true,
      file: path.join(root, 'clip.mp4'),
    });
    expect(await resolveInsideRoot(root, './cam1/./inner.mp4')).toMatchObject({ ok: true });
  });

  it('accepts a file whose name merely starts with two dots', async () => {
    expect(await resolveInsideRoot(root, '..dotted.mp4')).toMatchObject({
      ok: true,
      file: path.join(root, '..dotted.mp4'),
    });
  });

  it.each([
    ['a parent escape', '../footage/other.mp4'],
    ['a nested escape', 'cam1/../../footage/other.mp4'],
    ['a deep escape to a system file', '../../../../../../etc/passwd'],
    ['an absolute path outside the root', '/etc/passwd'],
    ['an absolute path into a sibling with a common prefix', 'SIBLING'],
    ['the parent itself', '..'],
    ['a NUL byte', 'clip.mp4\0.txt'],
  ])('refuses %s as outside_root', async (_name, requested) => {
    const p = requested === 'SIBLING' ? path.join(data, 'footage', 'other.mp4') : requested;
    expect(await resolveInsideRoot(root, p)).toEqual({ ok: false, reason: 'outside_root' });
  });

  it('refuses a lexical escape even when the target does not exist (nothing is revealed)', async () => {
    expect(await resolveInsideRoot(root, '../no-such-file')).toEqual({ ok: false, reason: 'outside_root' });
  });

  it('follows a symlink that stays inside the root, to its real path', async () => {
    expect(await resolveInsideRoot(root, 'link-in.mp4')).toEqual({
      ok: true,
      file: path.join(root, 'cam1', 'inner.mp4'),
      sizeBytes: 5,
    });
  });

  it('refuses a symlink inside the root that leads out of it', async () => {
    expect(await resolveInsideRoot(root, 'link-out.mp4')).toEqual({ ok: false, reason: 'outside_root' });
    expect(await resolveInsideRoot(root, 'link-dir-out/other.mp4')).toEqual({ ok: false, reason: 'outside_root' });
  });

  it('works when the root itself is a symlink', async () => {
    const linkedRoot = path.join(data, 'root-link');
    expect(await resolveInsideRoot(linkedRoot, 'clip.mp4')).toEqual({
      ok: true,
      file: path.join(root, 'clip.mp4'),
      sizeBytes: 5,
    });
    expect(await resolveInsideRoot(linkedRoot, '../footage/other.mp4')).toEqual({ ok: false, reason: 'outside_root' });
  });

  it('reports missing files, dangling links and a missing root as missing', async () => {
    expect(await resolveInsideRoot(root, 'absent.mp4')).toEqual({ ok: false, reason: 'missing' });
    expect(await resolveInsideRoot(root, 'dangling.mp4')).toEqual({ ok: false, reason: 'missing' });
    expect(await resolveInsideRoot(path.join(tmp, 'no-root'), 'clip.mp4')).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses folders, the root itself included, as not_a_file', async () => {
    expect(await resolveInsideRoot(root, 'cam1')).toEqual({ ok: false, reason: 'not_a_file' });
    expect(await resolveInsideRoot(root, '.')).toEqual({ ok: false, reason: 'not_a_file' });
    expect(await resolveInsideRoot(root, root)).toEqual({ ok: false, reason: 'not_a_file' });
  });
});

describe('resolveFolderInsideRoot (a folder)', () => {
  it('finds a folder below the root, and the root itself', async () => {
    expect(await resolveFolderInsideRoot(root, 'cam1')).toEqual({ ok: true, folder: path.join(root, 'cam1') });
    expect(await resolveFolderInsideRoot(root, 'cam1/')).toEqual({ ok: true, folder: path.join(root, 'cam1') });
    expect(await resolveFolderInsideRoot(root, '.')).toEqual({ ok: true, folder: root });
    expect(await resolveFolderInsideRoot(path.join(data, 'root-link'), '.')).toEqual({ ok: true, folder: root });
  });

  it.each([
    ['a parent escape', '../..'],
    ['the parent', '..'],
    ['a system folder by absolute path', '/etc'],
    ['a sibling with a common prefix', '../footage'],
    ['a folder symlink leading out', 'link-dir-out'],
  ])('refuses %s as outside_root', async (_name, requested) => {
    expect(await resolveFolderInsideRoot(root, requested)).toEqual({ ok: false, reason: 'outside_root' });
  });

  it('refuses the sibling with a common prefix by absolute path', async () => {
    expect(await resolveFolderInsideRoot(root, path.join(data, 'footage'))).toEqual({
      ok: false,
      reason: 'outside_root',
    });
  });

  it('reports a missing folder and a file', async () => {
    expect(await resolveFolderInsideRoot(root, 'nope')).toEqual({ ok: false, reason: 'missing' });
    expect(await resolveFolderInsideRoot(root, 'clip.mp4')).toEqual({ ok: false, reason: 'not_a_folder' });
  });
});
