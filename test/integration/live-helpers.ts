import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnLoopSource } from '../../src/cli/loopback.js';

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

export interface SseClient {
  events: SseEvent[];
  /** the server ended the stream */
  ended: boolean;
  close(): void;
}

/** Opens an SSE stream with a bearer key (or these headers); resolves once the server has answered 200. */
export function openSse(url: string, key: string | Record<string, string>): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const auth = typeof key === 'string' ? { authorization: `Bearer ${key}` } : key;
    const req = http.get(url, { headers: { ...auth, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`SSE answered ${res.statusCode}`));
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const ev: SseEvent = { data: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) ev.id = line.slice(4);
            else if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('data: ')) ev.data += line.slice(6);
          }
          if (ev.event) events.push(ev);
          end = buffer.indexOf('\n\n');
        }
      });
      const client: SseClient = { events, ended: false, close: () => req.destroy() };
      res.on('end', () => (client.ended = true));
      resolve(client);
    });
    req.on('error', reject);
  });
}

/** Polls until `probe` returns something other than undefined/false. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** ffmpeg cutting a piece of a real clip: scaled down, short GOP so segments can be cut every second. */
export async function cutClip(
  source: string,
  out: string,
  fromSec: number,
  seconds: number,
  width = 640,
): Promise<void> {
  const ff = spawn('ffmpeg', [
    '-y',
    '-hide_banner',
    '-loglevel',
    'error',
    '-ss',
    String(fromSec),
    '-i',
    source,
    '-t',
    String(seconds),
    '-vf',
    `scale=${width}:-2`,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-g',
    '10',
    '-an',
    out,
  ]);
  const [code] = (await once(ff, 'close')) as [number];
  if (code !== 0) throw new Error(`ffmpeg could not cut ${source}`);
}

/** ffmpeg making a clip of one still photo (a parked vehicle in front of a fixed camera), short GOP. */
export async function clipFromStill(image: string, out: string, seconds: number, width = 1280): Promise<void> {
  const ff = spawn('ffmpeg', [
    '-y',
    '-hide_banner',
    '-loglevel',
    'error',
    '-loop',
    '1',
    '-i',
    image,
    '-t',
    String(seconds),
    '-vf',
    `scale=${width}:-2,format=yuv420p`,
    '-r',
    '25',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-g',
    '10',
    out,
  ]);
  const [code] = (await once(ff, 'close')) as [number];
  if (code !== 0) throw new Error(`ffmpeg could not make a clip of ${image}`);
}

/**
 * A camera on loopback: `ffmpeg -re -stream_loop -1` serving a clip as MPEG-TS to the first TCP client,
 * resolved once it listens or serves. Killing it is a lost feed; a new one on the same port is the camera
 * coming back. Right after the previous one died, binding the port can fail: ffmpeg then exits and is started
 * again until the port listens.
 */
export async function startLoopSource(clip: string, port: number, timeoutMs = 20_000): Promise<ChildProcess> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const child = spawnLoopSource(clip, port);
    let exited = false;
    child.once('exit', () => (exited = true));
    if (await waitForServing(port, deadline, () => exited)) return child;
    if (!exited) {
      child.kill('SIGKILL');
      throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    }
    if (Date.now() >= deadline) throw new Error(`ffmpeg could not listen on port ${port} within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/**
 * Waits until a local TCP port listens or has accepted a connection, read from /proc/net/tcp (a probing connection
 * would be the one connection an `ffmpeg ... ?listen=1` source serves). ffmpeg closes its listening socket on the
 * first accept, so a recorder that is already reconnecting can take the port between two polls: then the port's
 * row is ESTABLISHED and LISTEN was never seen. True once either, false at the deadline or once `gaveUp`.
 */
async function waitForServing(port: number, deadline: number, gaveUp: () => boolean): Promise<boolean> {
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  while (Date.now() < deadline && !gaveUp()) {
    const table = await readFile('/proc/net/tcp', 'utf8');
    if (
      table.split('\n').some((line) => {
        const [, address, , state] = line.trim().split(/\s+/);
        return address?.endsWith(local) && (state === '0A' || state === '01');
      })
    )
      return true;
    await sleep(50);
  }
  return false;
}

export async function stopProcess(
  child: ChildProcess | null | undefined,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const closed = once(child, 'close');
  child.kill(signal);
  await closed;
}
