/**
 * The project's one canonical JSON: the bytes that the audit chain (src/db/audit.ts) and the analysis
 * configuration hash (src/analysis/config-hash.ts) feed to sha256, so equal content always hashes equally.
 *
 * - No whitespace; arrays keep their order; object keys are sorted at every level by UTF-16 code units.
 * - Values follow JSON.stringify's own rules first: `toJSON` is honoured (a Date becomes its ISO 8601 string),
 *   boxed primitives unwrap, `undefined`, functions and symbols are dropped from objects and become `null` in
 *   arrays, NaN and ±Infinity become `null`, -0 becomes `0`, Map and Set become `{}`; a BigInt or a cycle throws.
 * - A top-level value JSON cannot represent (`undefined`, a function, a symbol) gives `null`.
 *
 * One departure from RFC 8785 key order, kept on purpose: keys that are array indices ("0", "9", "10", up to
 * 2^32 - 2) come first, in ascending numeric order, because that is how JavaScript objects enumerate them and how
 * every audit row already stored was hashed. Changing it would break `verifyAuditChain` on existing databases.
 */
export function canonicalJson(value: unknown): string {
  const plain = JSON.stringify(value);
  if (plain === undefined) return 'null';
  return JSON.stringify(sortKeys(JSON.parse(plain) as unknown));
}

/** `value` (already plain JSON data) with every object rebuilt in sorted key order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // Object.fromEntries, not a hand-written serialiser: it reproduces the array-index-first order described above.
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, sortKeys(record[k])]),
    );
  }
  return value;
}
