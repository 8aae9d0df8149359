import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SegmentListTail, parseSegmentListLine } from '../../src/live/segment-list.js';

describe('parseSegmentListLine', () => {
  it("reads ffmpeg's csv line: file, start, end", () => {
    expect(parseSegmentListLine('123-000000.mp4,0.000000,60.016667')).toEqual({
      file: '123-000000.mp4',
      start: 0,
      end: 60.016667,
    });
    expect(parseSegmentListLine('123-000001.mp4,60.016667,120.000000')).toEqual({
      file: '123-000001.mp4',
      start: 60.016667,
      end: 120,
    });
  });

  it('accepts integer times and negative starts (timestamps before zero after a reconnect)', () => {
    expect(parseSegmentListLine('a.mp4,0,4')).toEqual({ file: 'a.mp4', start: 0, end: 4 });
    expect(parseSegmentListLine('a.mp4,-0.033333,3.966667')).toEqual({
      file: 'a.mp4',
      start: -0.033333,
      end: 3.966667,
    });
  });

  it('ignores surrounding whitespace and a carriage return', () => {
    expect(parseSegmentListLine('  a.mp4,1.5,2.5\r')).toEqual({ file: 'a.mp4', start: 1.5, end: 2.5 });
  });

  it('unquotes a file name that ffmpeg quoted because it holds commas', () => {
    expect(parseSegmentListLine('"cam,north-000003.mp4",12.000000,16.000000')).toEqual({
      file: 'cam,north-000003.mp4',
      start: 12,
      end: 16,
    });
  });

  it('turns doubled quotes inside a quoted name back into one', () => {
    expect(parseSegmentListLine('"say ""hi"", cam.mp4",0.5,1.5')).toEqual({
      file: 'say "hi", cam.mp4',
      start: 0.5,
      end: 1.5,
    });
  });

  it('splits an unquoted name with commas from the right', () => {
    expect(parseSegmentListLine('a,b,c.mp4,1,2')).toEqual({ file: 'a,b,c.mp4', start: 1, end: 2 });
  });

  it('keeps a name with a single leading quote as is', () => {
    expect(parseSegmentListLine('"odd.mp4,1,2')).toEqual({ file: '"odd.mp4', start: 1, end: 2 });
  });

  it.each([
    ['an empty line', ''],
    ['only whitespace', '   '],
    ['a name alone', 'a.mp4'],
    ['one time only', 'a.mp4,1.5'],
    ['a time that is not a number', 'a.mp4,abc,2'],
    ['an end that is not a number', 'a.mp4,1,2s'],
    ['an extended-csv header-ish line', 'file,start,end'],
    ['a trailing comma', 'a.mp4,1,2,'],
  ])('ignores %s', (_name, line) => {
    expect(parseSegmentListLine(line)).toBeNull();
  });
});

describe('SegmentListTail', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'segment-list-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads nothing while the list does not exist yet', async () => {
    const tail = new SegmentListTail(path.join(dir, 'absent.csv'));
    expect(await tail.read()).toEqual([]);
    expect(await tail.read()).toEqual([]);
  });

  it('returns each completed line once, as the file grows', async () => {
    const list = path.join(dir, 'grow.csv');
    const tail = new SegmentListTail(list);
    await writeFile(list, 'a-000000.mp4,0.000000,4.000000\n');
    expect(await tail.read()).toEqual([{ file: 'a-000000.mp4', start: 0, end: 4 }]);
    expect(await tail.read()).toEqual([]);
    await appendFile(list, 'a-000001.mp4,4.000000,8.000000\na-000002.mp4,8.000000,12.000000\n');
    expect((await tail.read()).map((e) => e.file)).toEqual(['a-000001.mp4', 'a-000002.mp4']);
    expect(await tail.read()).toEqual([]);
  });

  it('holds back a line until its newline arrives', async () => {
    const list = path.join(dir, 'partial.csv');
    const tail = new SegmentListTail(list);
    await writeFile(list, 'b-000000.mp4,0.0000');
    expect(await tail.read()).toEqual([]);
    await appendFile(list, '00,4.000000\nb-000001.mp4,4');
    expect(await tail.read()).toEqual([{ file: 'b-000000.mp4', start: 0, end: 4 }]);
    await appendFile(list, '.000000,8.000000\n');
    expect(await tail.read()).toEqual([{ file: 'b-000001.mp4', start: 4, end: 8 }]);
  });

  it('skips blank and malformed lines and copes with CRLF', async () => {
    const list = path.join(dir, 'odd.csv');
    const tail = new SegmentListTail(list);
    await writeFile(list, '\nnot a segment line\r\nc-000000.mp4,0,4\r\n\r\n"c,1.mp4",4,8\n');
    expect(await tail.read()).toEqual([
      { file: 'c-000000.mp4', start: 0, end: 4 },
      { file: 'c,1.mp4', start: 4, end: 8 },
    ]);
  });
});
