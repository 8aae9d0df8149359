import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { ffmpegPath } from '../media/binaries.js';

/** Loopback stand-ins for the benches' servers and cameras. */

/** A port nobody listens on now: the OS picks it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A camera: `ffmpeg -re -stream_loop -1` serving `clip` as MPEG-TS to the first TCP client on `port`. */
export function spawnLoopSource(clip: string, port: number): ChildProcess {
  return spawn(
    ffmpegPath,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-stream_loop',
      '-1',
      '-i',
      clip,
      '-c',
      'copy',
      '-f',
      'mpegts',
      `tcp://127.0.0.1:${port}?listen=1`,
    ],
    { stdio: 'ignore' },
  );
}
