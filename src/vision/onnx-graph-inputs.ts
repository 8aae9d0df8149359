/**
 * Some exports (PicoDet from Paddle) list every weight as a graph input as well as an initializer.
 * onnxruntime then warns once per weight and will not constant-fold them. Dropping those entries
 * from `graph.input` leaves the weights untouched; this walks the ONNX protobuf just far enough to
 * do that (ModelProto.graph = 7; GraphProto.initializer = 5, .input = 11; TensorProto.name = 8;
 * ValueInfoProto.name = 1).
 */

interface Field {
  field: number;
  start: number;
  dataStart: number;
  end: number;
}

function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let mul = 1;
  for (;;) {
    const byte = buf[pos++];
    if (byte === undefined) throw new RangeError('truncated protobuf varint');
    value += (byte & 0x7f) * mul;
    if (byte < 0x80) return [value, pos];
    mul *= 128;
  }
}

function* fields(buf: Uint8Array, from = 0, to = buf.length): Generator<Field> {
  let pos = from;
  while (pos < to) {
    const start = pos;
    const [key, afterKey] = readVarint(buf, pos);
    const wire = key & 7;
    let dataStart = afterKey;
    let end: number;
    if (wire === 0) end = readVarint(buf, afterKey)[1];
    else if (wire === 1) end = afterKey + 8;
    else if (wire === 5) end = afterKey + 4;
    else if (wire === 2) {
      const [len, next] = readVarint(buf, afterKey);
      dataStart = next;
      end = next + len;
    } else throw new RangeError(`unsupported protobuf wire type ${wire}`);
    yield { field: Math.floor(key / 8), start, dataStart, end };
    pos = end;
  }
}

function stringField(buf: Uint8Array, msg: Field, field: number): string | undefined {
  for (const f of fields(buf, msg.dataStart, msg.end)) {
    if (f.field === field) return Buffer.from(buf.subarray(f.dataStart, f.end)).toString('utf8');
  }
  return undefined;
}

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

/** The model with initializers removed from `graph.input`; the same bytes when there are none. */
export function stripInitializerInputs(model: Uint8Array): Uint8Array {
  const graph = [...fields(model)].find((f) => f.field === 7);
  if (!graph) return model;
  const graphFields = [...fields(model, graph.dataStart, graph.end)];
  const weights = new Set(graphFields.filter((f) => f.field === 5).map((f) => stringField(model, f, 8)));
  const keep = graphFields.filter((f) => !(f.field === 11 && weights.has(stringField(model, f, 1))));
  if (keep.length === graphFields.length) return model;

  const graphLength = keep.reduce((n, f) => n + f.end - f.start, 0);
  const parts: Uint8Array[] = [];
  for (const f of fields(model)) {
    if (f.field !== 7) {
      parts.push(model.subarray(f.start, f.end));
      continue;
    }
    parts.push(varint((7 << 3) | 2), varint(graphLength));
    for (const k of keep) parts.push(model.subarray(k.start, k.end));
  }
  return Buffer.concat(parts);
}
