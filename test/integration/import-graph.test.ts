import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config.js';

/**
 * The rooms of the tree and the imports between them: dependencies point inward, no two rooms depend
 * on each other (directly or round a loop), and nothing in src/ reaches into workers/ (process entry
 * points compose src/, never the other way). Each folder under src/web (the console, src/web/app) is a
 * room of its own: a separate program, bundled for the browser, that the API serves (src/web/serve.ts)
 * but never imports.
 */

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'generated' || name === 'dist' ? [] : files(full);
    return /\.(ts|tsx|mts|mjs)$/.test(name) ? [full] : [];
  });
}

/**
 * The room of a file: its folder under src/ (a file directly in src/ is a room of its own), a browser
 * program's folder under src/web, or workers.
 */
function roomOf(file: string): string {
  const rel = path.relative(projectRoot, file).split(path.sep);
  if (rel[0] === 'workers') return 'workers';
  return rel[1] === 'web' && rel.length > 3 ? `src/web/${rel[2]}` : `src/${rel[1]}`;
}

const isBrowserRoom = (room: string) => room.startsWith('src/web/');

/** Static imports and re-exports (group 1 says `import type`/`export type`), then dynamic imports. */
const IMPORT =
  /(?:^|\n)\s*(?:import|export)(\s+type(?=[\s{*]))?\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

interface Import {
  file: string;
  target: string;
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Every import of ours that crosses from one room into another. */
function crossings(): Import[] {
  const found: Import[] = [];
  for (const file of [...files(path.join(projectRoot, 'src')), ...files(path.join(projectRoot, 'workers'))]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), (m[2] ?? m[3])!);
      if (!target.startsWith(projectRoot + path.sep)) continue;
      const [from, to] = [roomOf(file), roomOf(target)];
      if (to !== from) found.push({ file, target, from, to, typeOnly: m[1] !== undefined });
    }
  }
  return found;
}

function edges(all: Import[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of all) {
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(to);
  }
  return graph;
}

/** Every cycle's rooms, found by depth-first search. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (room: string) => {
    state.set(room, 'open');
    stack.push(room);
    for (const next of graph.get(room) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(room, 'done');
  };
  for (const room of graph.keys()) if (!state.has(room)) visit(room);
  return found;
}

describe('the import graph between rooms', () => {
  const all = crossings();
  const graph = edges(all);

  it('finds the rooms it is meant to check', () => {
    expect([...graph.keys()]).toEqual(
      expect.arrayContaining(['src/api', 'src/analysis', 'src/db', 'src/web/app', 'workers']),
    );
  });

  it('has no cycle between rooms', () => {
    expect(cycles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('keeps src/ out of workers/', () => {
    const into = [...graph.entries()]
      .filter(([from, to]) => from !== 'workers' && to.has('workers'))
      .map(([from]) => from);
    expect(into).toEqual([]);
  });

  it('keeps the core pure: it imports no other room', () => {
    expect([...(graph.get('src/core') ?? [])]).toEqual([]);
  });

  const named = (i: Import) => `${path.relative(projectRoot, i.file)} -> ${path.relative(projectRoot, i.target)}`;

  // Types vanish from the bundle: nothing of the server (zod, Prisma, Node) can reach the browser.
  it('lets browser programs import other rooms by types only', () => {
    expect(all.filter((i) => isBrowserRoom(i.from) && !i.typeOnly).map(named)).toEqual([]);
  });

  // Allowed on purpose: the console takes the shapes it exchanges from the API's schemas, so the two cannot
  // drift apart; the API reaches the console only by serving its build, so this makes no cycle.
  it("lets the web console import from other rooms only the API's schemas", () => {
    const fromConsole = all.filter((i) => i.from === 'src/web/app');
    expect(fromConsole.length).toBeGreaterThan(0);
    const schemas = path.join(projectRoot, 'src/api/schemas');
    expect(fromConsole.filter((i) => i.target.replace(/\.[jt]sx?$/, '') !== schemas).map(named)).toEqual([]);
  });
});
