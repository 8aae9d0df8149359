import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config.js';

/**
 * The rooms of the tree and the imports between them: dependencies point inward, no two rooms depend
 * on each other (directly or round a loop), and nothing in src/ reaches into workers/ (process entry
 * points compose src/, never the other way).
 */

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'generated' || name === 'dist' ? [] : files(full);
    return /\.(ts|tsx|mts|mjs)$/.test(name) ? [full] : [];
  });
}

/** The room of a file: its folder under src/ (a file directly in src/ is a room of its own), or workers. */
function roomOf(file: string): string {
  const rel = path.relative(projectRoot, file).split(path.sep);
  return rel[0] === 'workers' ? 'workers' : `src/${rel[1]}`;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function edges(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of [...files(path.join(projectRoot, 'src')), ...files(path.join(projectRoot, 'workers'))]) {
    const from = roomOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), (m[1] ?? m[2])!);
      if (!target.startsWith(projectRoot + path.sep)) continue;
      const to = roomOf(target);
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
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
  const graph = edges();

  it('finds the rooms it is meant to check', () => {
    expect([...graph.keys()]).toEqual(expect.arrayContaining(['src/api', 'src/analysis', 'src/db', 'workers']));
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
});
