import { describe, expect, it } from 'vitest';
import { analysisConfigHash } from '../../src/analysis/config-hash.js';
import { canonicalJson } from '../../src/core/canonical-json.js';

/** The two functions this one replaced, kept here to prove the hashes they wrote stay valid. */
function previousAuditJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      const record = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(record)
          .sort()
          .map((k) => [k, sortKeys(record[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sortKeys(JSON.parse(JSON.stringify(value ?? null)) as unknown));
}

function previousConfigJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    }
    return v;
  });
}

describe('canonicalJson', () => {
  it('sorts object keys at every level, keeps array order and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"x":2,"y":1}]},"b":1}',
    );
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson({ s: 'a b', n: [1, [2, { k: 'v' }]] })).toBe('{"n":[1,[2,{"k":"v"}]],"s":"a b"}');
  });

  it('does not depend on the order keys were written in', () => {
    expect(canonicalJson({ x: 1, y: { b: 2, a: 3 } })).toBe(canonicalJson({ y: { a: 3, b: 2 }, x: 1 }));
  });

  it('orders keys by UTF-16 code units: upper case before lower, astral characters by their surrogates', () => {
    expect(canonicalJson({ b: 1, B: 2, _: 3, a: 4, é: 5, 한: 6 })).toBe('{"B":2,"_":3,"a":4,"b":1,"é":5,"한":6}');
    // U+1F600 is the surrogate pair D83D DE00, so it sorts before U+FF5A (code point order would say the opposite).
    expect(canonicalJson({ ｚ: 1, '😀': 2 })).toBe('{"😀":2,"ｚ":1}');
  });

  it('puts array-index keys first, in numeric order, as stored audit hashes require', () => {
    expect(canonicalJson({ a: 1, '10': 2, '9': 3, '01': 4, '-1': 5, '4294967295': 6, '4294967294': 7 })).toBe(
      '{"9":3,"10":2,"4294967294":7,"-1":5,"01":4,"4294967295":6,"a":1}',
    );
  });

  it('drops undefined, functions and symbols from objects and writes null for them in arrays', () => {
    expect(canonicalJson({ a: undefined, b: () => 1, c: Symbol('s'), d: 1 })).toBe('{"d":1}');
    expect(canonicalJson([undefined, () => 1, Symbol('s')])).toBe('[null,null,null]');
  });

  it('writes null for a top-level value JSON cannot hold', () => {
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson(() => 1)).toBe('null');
    expect(canonicalJson(null)).toBe('null');
  });

  it('writes null for NaN and the infinities, and 0 for -0', () => {
    expect(canonicalJson({ n: Number.NaN, p: Number.POSITIVE_INFINITY, m: Number.NEGATIVE_INFINITY, z: -0 })).toBe(
      '{"m":null,"n":null,"p":null,"z":0}',
    );
  });

  it('writes Dates as ISO 8601 strings and honours toJSON, sorting what it returns', () => {
    expect(canonicalJson({ at: new Date('2024-05-06T07:08:09.010Z') })).toBe('{"at":"2024-05-06T07:08:09.010Z"}');
    expect(canonicalJson({ v: { toJSON: () => ({ z: 1, a: 2 }) } })).toBe('{"v":{"a":2,"z":1}}');
  });

  it('unwraps boxed primitives and writes Map and Set as empty objects', () => {
    expect(canonicalJson({ n: Object(3), s: Object('x'), b: Object(false) })).toBe('{"b":false,"n":3,"s":"x"}');
    expect(canonicalJson({ m: new Map([[1, 2]]), s: new Set([1]) })).toBe('{"m":{},"s":{}}');
  });

  it('refuses BigInt and cycles', () => {
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
  });

  it('gives exactly what both replaced functions gave for every JSON-shaped input', () => {
    const inputs: unknown[] = [
      { b: 1, a: { d: [{ y: 1, x: 2 }], c: null } },
      { '10': 1, '9': 2, a: 3, B: 4, é: 5, '😀': 6, ｚ: 7 },
      { at: new Date(0), list: [undefined, 1, 'x', { q: Number.NaN }], gone: undefined },
      {
        camera: {
          name: 'cam',
          timezone: 'Asia/Seoul',
          zones: [
            {
              polygon: [
                [0, 0],
                [1, 0],
                [1, 1],
              ],
              schedule: null,
            },
          ],
        },
        fps: 5,
        detector: 'picodet_s',
      },
      [],
      {},
      'text',
      42.5,
      true,
      null,
    ];
    for (const input of inputs) {
      expect(canonicalJson(input)).toBe(previousAuditJson(input));
      expect(canonicalJson(input)).toBe(previousConfigJson(input));
    }
  });
});

describe('analysisConfigHash', () => {
  it('still computes the configuration hashes stored on existing analysis runs', () => {
    const camera = {
      name: 'cam',
      zones: [
        {
          name: 'z',
          polygon: [
            [0, 0],
            [1, 0],
            [1, 1],
          ],
          schedule: null,
          kind: 'sidewalk',
        },
      ],
      timezone: 'Asia/Seoul',
    };
    expect(analysisConfigHash(camera, 5, 'picodet_s')).toBe(
      'db866a11e5d6be00b05ef23e74c1a2e80fa2effbfe5f9e89089099261b3c8aac',
    );
  });
});
