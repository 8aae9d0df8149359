import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config.js';

/**
 * Proves prisma/schema.prisma and the database built by prisma/migrations agree. The datamodel comes from
 * Prisma itself: `prisma generate` hands the full DMMF to a generator, here a tiny one that writes it to a file
 * (the generator protocol is JSON-RPC: requests on stdin, responses on stderr).
 */

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  hasDefaultValue: boolean;
  isUpdatedAt: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  fields: { name: string }[];
}
interface Datamodel {
  enums: { name: string; dbName?: string | null; values: { name: string; dbName?: string | null }[] }[];
  models: DmmfModel[];
  indexes: DmmfIndex[];
}

interface DbColumn {
  table: string;
  column: string;
  type: string;
  not_null: boolean;
  default: string | null;
}
interface DbIndex {
  table: string;
  name: string;
  unique: boolean;
  primary: boolean;
  columns: string[];
}
interface DbForeignKey {
  table: string;
  name: string;
  columns: string[];
  ref_table: string;
  ref_columns: string[];
  on_delete: string;
  on_update: string;
}
interface DbSchema {
  tables: string[];
  columns: DbColumn[];
  indexes: DbIndex[];
  foreignKeys: DbForeignKey[];
  enums: { name: string; values: string[] }[];
}

const GENERATOR = `
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line);
  let result = null;
  if (msg.method === 'getManifest') result = { manifest: { prettyName: 'DMMF dump', requiresEngines: [] } };
  if (msg.method === 'generate') writeFileSync(msg.params.generator.output.value, JSON.stringify(msg.params.dmmf.datamodel));
  process.stderr.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\\n');
});
`;

async function loadDatamodel(workDir: string): Promise<Datamodel> {
  const generator = path.join(workDir, 'dump-dmmf.mjs');
  const out = path.join(workDir, 'dmmf.json');
  const schema = path.join(workDir, 'schema.prisma');
  await writeFile(generator, GENERATOR);
  const source = await readFile(path.join(projectRoot, 'prisma', 'schema.prisma'), 'utf8');
  const block = `\ngenerator dmmf_dump {\n  provider = ${JSON.stringify(`"${process.execPath}" "${generator}"`)}\n  output   = ${JSON.stringify(out)}\n}\n`;
  await writeFile(schema, source + block);
  // `prisma generate` never talks to the schema engine but insists its binary exists (see prisma/generate.mjs).
  await promisify(execFile)(
    process.execPath,
    [
      path.join(projectRoot, 'node_modules/prisma/build/index.js'),
      'generate',
      '--schema',
      schema,
      '--generator',
      'dmmf_dump',
    ],
    {
      cwd: projectRoot,
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: generator, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    },
  );
  return JSON.parse(await readFile(out, 'utf8')) as Datamodel;
}

async function describeDatabase(url: string): Promise<DbSchema> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const attnames = (rel: string, keys: string) =>
    `array(SELECT a.attname FROM unnest(${keys}) WITH ORDINALITY k(num, ord)
       JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.num ORDER BY k.ord)::text[]`;
  try {
    const tables = await client.query<{ table: string }>(
      `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_prisma_migrations'`,
    );
    const columns = await client.query<DbColumn>(
      `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
              a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
          AND c.relname <> '_prisma_migrations'`,
    );
    const indexes = await client.query<DbIndex>(
      `SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
              ${attnames('t.oid', 'ix.indkey')} AS columns
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'`,
    );
    const foreignKeys = await client.query<DbForeignKey>(
      `SELECT t.relname AS table, con.conname AS name, ${attnames('con.conrelid', 'con.conkey')} AS columns,
              r.relname AS ref_table, ${attnames('con.confrelid', 'con.confkey')} AS ref_columns,
              con.confdeltype AS on_delete, con.confupdtype AS on_update
         FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE con.contype = 'f' AND n.nspname = 'public'`,
    );
    const enums = await client.query<{ name: string; values: string[] }>(
      `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS values
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' GROUP BY t.typname`,
    );
    return {
      tables: tables.rows.map((r) => r.table),
      columns: columns.rows,
      indexes: indexes.rows,
      foreignKeys: foreignKeys.rows,
      enums: enums.rows,
    };
  } finally {
    await client.end();
  }
}

const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

const NATIVE_TYPES: Record<string, (args: string[]) => string> = {
  Uuid: () => 'uuid',
  Text: () => 'text',
  Char: ([n]) => `character(${n})`,
  VarChar: ([n]) => (n ? `character varying(${n})` : 'character varying'),
  Timestamptz: ([p]) => `timestamp(${p ?? 6}) with time zone`,
  Timestamp: ([p]) => `timestamp(${p ?? 6}) without time zone`,
  Date: () => 'date',
  SmallInt: () => 'smallint',
  Integer: () => 'integer',
  BigInt: () => 'bigint',
  DoublePrecision: () => 'double precision',
  Real: () => 'real',
  Decimal: ([p, s]) => `numeric(${p},${s})`,
  JsonB: () => 'jsonb',
  Json: () => 'json',
  Inet: () => 'inet',
};

const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: 'c',
  Restrict: 'r',
  NoAction: 'a',
  SetNull: 'n',
  SetDefault: 'd',
};

/** Defaults Prisma fills in on the client; the column itself has none. */
const CLIENT_SIDE_DEFAULTS = new Set(['uuid', 'cuid', 'nanoid', 'ulid']);

function expectedType(field: DmmfField, enumNames: Map<string, string>): string {
  let base: string;
  if (field.kind === 'enum') base = enumNames.get(field.type) ?? field.type;
  else if (field.nativeType) {
    const [name, args] = field.nativeType;
    const render = NATIVE_TYPES[name];
    base = render ? render(args) : `unmapped native type ${name}`;
  } else base = SCALAR_TYPES[field.type] ?? `unmapped type ${field.type}`;
  return field.isList ? `${base}[]` : base;
}

/** A readable mismatch for the default of one column, or null when schema and database agree. */
function defaultMismatch(field: DmmfField, actual: string | null): string | null {
  const value = field.default;
  const fn = typeof value === 'object' && value !== null && 'name' in value ? (value as { name: string }).name : null;
  const wantsDbDefault = field.hasDefaultValue && !(fn && CLIENT_SIDE_DEFAULTS.has(fn));
  if (!wantsDbDefault) return actual === null ? null : `has default ${actual} the schema does not declare`;
  if (actual === null) return `misses default ${JSON.stringify(value)}`;
  let ok: boolean;
  if (fn === 'now') ok = actual === 'CURRENT_TIMESTAMP' || actual === 'now()';
  else if (fn === 'autoincrement') ok = actual.startsWith('nextval(');
  else if (fn) ok = true;
  else if (Array.isArray(value)) {
    const items = value.map((v) => (typeof v === 'string' ? `'${v.replace(/'/g, "''")}'::text` : String(v)));
    ok = actual === `ARRAY[${items.join(', ')}]`;
  } else if (typeof value === 'string') ok = actual.startsWith(`'${value.replace(/'/g, "''")}'::`);
  else if (typeof value === 'number') ok = Number(actual.replace(/^\((.*)\)$/, '$1').replace(/::.*$/, '')) === value;
  else ok = actual === String(value);
  return ok ? null : `default ${actual} differs from the schema's ${JSON.stringify(value)}`;
}

/** Every difference between the datamodel and the database, one readable line each. */
function compare(dm: Datamodel, db: DbSchema): string[] {
  const problems: string[] = [];
  const tableOf = new Map(dm.models.map((m) => [m.name, m.dbName ?? m.name]));
  const enumNames = new Map(dm.enums.map((e) => [e.name, e.dbName ?? e.name]));

  const dbEnums = new Map(db.enums.map((e) => [e.name, e.values]));
  for (const e of dm.enums) {
    const name = e.dbName ?? e.name;
    const want = e.values.map((v) => v.dbName ?? v.name);
    const have = dbEnums.get(name);
    if (!have) problems.push(`enum ${name}: missing in the database`);
    else if (have.join(',') !== want.join(','))
      problems.push(`enum ${name}: database has [${have.join(',')}], schema [${want.join(',')}]`);
    dbEnums.delete(name);
  }
  for (const name of dbEnums.keys()) problems.push(`enum ${name}: in the database only`);

  const modelTables = new Set(tableOf.values());
  for (const t of modelTables) if (!db.tables.includes(t)) problems.push(`table ${t}: missing in the database`);
  for (const t of db.tables) if (!modelTables.has(t)) problems.push(`table ${t}: in the database only`);

  for (const model of dm.models) {
    const table = tableOf.get(model.name)!;
    const columnOf = new Map(model.fields.map((f) => [f.name, f.dbName ?? f.name]));
    const dbColumns = new Map(db.columns.filter((c) => c.table === table).map((c) => [c.column, c]));
    for (const field of model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum')) {
      const column = columnOf.get(field.name)!;
      const where = `${table}.${column} (${model.name}.${field.name})`;
      const actual = dbColumns.get(column);
      dbColumns.delete(column);
      if (!actual) {
        problems.push(`${where}: missing in the database`);
        continue;
      }
      const type = expectedType(field, enumNames);
      if (actual.type.replace(/"/g, '') !== type) problems.push(`${where}: type ${actual.type}, schema wants ${type}`);
      // Prisma's migrations leave scalar-list columns nullable although the client never writes NULL to them.
      if (actual.not_null !== (field.isRequired && !field.isList)) {
        problems.push(`${where}: ${actual.not_null ? 'NOT NULL' : 'nullable'} in the database, schema says otherwise`);
      }
      const mismatch = defaultMismatch(field, actual.default);
      if (mismatch) problems.push(`${where}: ${mismatch}`);
    }
    for (const column of dbColumns.keys()) problems.push(`${table}.${column}: in the database only`);

    const kindName = { id: 'pkey', unique: 'key', normal: 'idx', fulltext: 'idx' } as const;
    const wanted = dm.indexes
      .filter((i) => i.model === model.name)
      .map((i) => {
        const columns = i.fields.map((f) => columnOf.get(f.name) ?? f.name);
        const name =
          i.dbName ?? (i.type === 'id' ? `${table}_pkey` : `${table}_${columns.join('_')}_${kindName[i.type]}`);
        return { table, name, unique: i.type !== 'normal', primary: i.type === 'id', columns };
      });
    const have = db.indexes.filter((i) => i.table === table);
    for (const want of wanted) {
      const got = have.find((i) => i.name === want.name);
      if (!got) problems.push(`index ${want.name} on ${table}(${want.columns.join(',')}): missing in the database`);
      else if (JSON.stringify(got) !== JSON.stringify(want)) {
        problems.push(`index ${want.name}: database ${JSON.stringify(got)}, schema ${JSON.stringify(want)}`);
      }
    }
    for (const got of have)
      if (!wanted.some((w) => w.name === got.name)) problems.push(`index ${got.name}: in the database only`);

    const relations = model.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length);
    const wantedFks = relations.map((f) => {
      const target = dm.models.find((m) => m.name === f.type)!;
      const columns = f.relationFromFields!.map((n) => columnOf.get(n)!);
      const onDelete = f.relationOnDelete ?? (f.isRequired ? 'Restrict' : 'SetNull');
      return {
        table,
        name: `${table}_${columns.join('_')}_fkey`,
        columns,
        ref_table: tableOf.get(target.name)!,
        ref_columns: f.relationToFields!.map((n) => target.fields.find((tf) => tf.name === n)?.dbName ?? n),
        on_delete: REFERENTIAL_ACTIONS[onDelete]!,
        on_update: REFERENTIAL_ACTIONS[f.relationOnUpdate ?? 'Cascade']!,
      };
    });
    const haveFks = db.foreignKeys.filter((k) => k.table === table);
    for (const want of wantedFks) {
      const got = haveFks.find((k) => k.name === want.name);
      if (!got) problems.push(`foreign key ${want.name}: missing in the database`);
      else if (JSON.stringify(got) !== JSON.stringify(want)) {
        problems.push(`foreign key ${want.name}: database ${JSON.stringify(got)}, schema ${JSON.stringify(want)}`);
      }
    }
    for (const got of haveFks)
      if (!wantedFks.some((w) => w.name === got.name)) problems.push(`foreign key ${got.name}: in the database only`);
  }
  return problems;
}

let workDir: string;
let datamodel: Datamodel;
let database: DbSchema;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'motoguard-dmmf-'));
  [datamodel, database] = await Promise.all([loadDatamodel(workDir), describeDatabase(process.env.DATABASE_URL!)]);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('schema.prisma and the migrated database', () => {
  it('agree on every model, column, type, nullability, default, index, enum and foreign key', () => {
    expect(datamodel.models.length).toBeGreaterThanOrEqual(9);
    expect(compare(datamodel, database)).toEqual([]);
  });

  it('are told apart when the schema gains a field, an index or an enum value the SQL lacks', () => {
    const drifted = structuredClone(datamodel);
    const camera = drifted.models.find((m) => m.name === 'Camera')!;
    camera.fields.push({
      ...camera.fields.find((f) => f.name === 'name')!,
      name: 'serialNumber',
      dbName: 'serial_number',
    });
    camera.fields.find((f) => f.name === 'sourceUrl')!.isRequired = true;
    drifted.indexes.push({ model: 'Segment', type: 'normal', fields: [{ name: 'fileUri' }] });
    drifted.enums.find((e) => e.name === 'ZoneKind')!.values.push({ name: 'bike_lane' });
    const zone = drifted.models.find((m) => m.name === 'Zone')!;
    zone.fields.find((f) => f.name === 'camera')!.relationOnDelete = 'Restrict';
    drifted.models.find((m) => m.name === 'Violation')!.fields.find((f) => f.name === 'version')!.default = 2;

    const problems = compare(drifted, database);
    expect(problems).toEqual(
      expect.arrayContaining([
        'cameras.serial_number (Camera.serialNumber): missing in the database',
        'cameras.source_url (Camera.sourceUrl): nullable in the database, schema says otherwise',
        'index segments_file_uri_idx on segments(file_uri): missing in the database',
        expect.stringMatching(/^enum ZoneKind: database has/),
        expect.stringMatching(/^foreign key zones_camera_id_fkey: database/),
        expect.stringMatching(/^violations.version \(Violation.version\): default 1 differs/),
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('are told apart when the database has a column the schema lacks', () => {
    const extra: DbSchema = {
      ...database,
      columns: [
        ...database.columns,
        { table: 'violations', column: 'legacy', type: 'text', not_null: false, default: null },
      ],
    };
    expect(compare(datamodel, extra)).toEqual(['violations.legacy: in the database only']);
  });
});
