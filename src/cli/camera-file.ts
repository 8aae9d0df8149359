import { readFile } from 'node:fs/promises';
import { CameraConfigError, parseCameraConfig, type CameraConfig } from '../core/camera-config.js';

/** A camera file that cannot be used; the message names the file and every problem. */
export class CameraFileError extends Error {
  override readonly name = 'CameraFileError';
}

/** Reads and validates a `--camera` file (same shape the API accepts for a camera with its zones). */
export async function loadCameraFile(file: string): Promise<CameraConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CameraFileError(
      `camera file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { cause: err },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CameraFileError(`camera file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  try {
    return parseCameraConfig(json);
  } catch (err) {
    if (err instanceof CameraConfigError) {
      throw new CameraFileError(`camera file ${file} is invalid:\n  ${err.problems.join('\n  ')}`, { cause: err });
    }
    throw err;
  }
}
