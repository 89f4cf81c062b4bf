import { Ajv } from 'ajv';
import type { ErrorObject, SchemaObject, ValidateFunction } from 'ajv';
import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { ConfigError } from '../errors.ts';
import type { Position } from '../errors.ts';

/** FormatCheck says why a string does not have a format, or returns undefined when it does. */
export type FormatCheck = (value: string) => string | undefined;

/**
 * YamlSchema is a compiled JSON schema for one kind of YAML file (the config file, later rule
 * files), plus the string formats it uses, whose checks also word the error messages.
 */
export interface YamlSchema<T> {
  readonly validate: ValidateFunction<T>;
  readonly formats: Readonly<Record<string, FormatCheck>>;
}

/**
 * compileYamlSchema compiles `schema` once. Schemas SHOULD say `additionalProperties: false` on
 * every object so typos are errors; a string field with `format: 'name'` is checked by
 * `formats[name]`.
 */
export function compileYamlSchema<T>(schema: SchemaObject, formats: Record<string, FormatCheck>): YamlSchema<T> {
  const ajv = new Ajv({ allErrors: true, strict: true });
  for (const [name, check] of Object.entries(formats)) {
    ajv.addFormat(name, { type: 'string', validate: (s: string) => check(s) === undefined });
  }
  return { validate: ajv.compile<T>(schema), formats };
}

/** Path is a list of map keys and sequence indexes from the top of a document. */
export type Path = readonly (string | number)[];

/**
 * Decoded is a YAML file checked against a schema. `value` is defined exactly when `problems` is
 * empty. `at` gives the position of the value at `path` (or the nearest thing that exists), for
 * problems found later, such as a `token_file` that cannot be read.
 */
export interface Decoded<T> {
  value: T | undefined;
  problems: ConfigError[];
  at(path: Path): Position;
}

/**
 * decodeYaml parses `text`, the contents of `file` (as the user named it: it prefixes messages),
 * and validates it against `schema`. Every problem is returned, each with its line and column:
 * syntax errors alone if there are any (the tree is then unreliable), otherwise every schema
 * violation, one per field. An empty document decodes as `{}`.
 */
export function decodeYaml<T>(text: string, file: string, schema: YamlSchema<T>): Decoded<T> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const position = (offset: number): Position => ({ file, ...lineCounter.linePos(offset) });
  const at = (path: Path): Position => position(offsetOf(doc, path, false));
  const fail = (problems: ConfigError[]): Decoded<T> => ({ value: undefined, problems, at });

  if (doc.errors.length > 0) {
    return fail(doc.errors.map((e) => new ConfigError(`invalid YAML: ${e.message}`, position(e.pos[0]))));
  }
  let data: unknown;
  try {
    data = doc.toJS() ?? {};
  } catch (err) {
    // toJS throws on alias bombs (more than maxAliasCount expansions) and similar abuse.
    return fail([new ConfigError(`invalid YAML: ${(err as Error).message}`, position(0), { cause: err })]);
  }
  if (schema.validate(data)) return { value: data, problems: [], at };

  const problems: ConfigError[] = [];
  const seen = new Set<string>();
  for (const e of schema.validate.errors ?? []) {
    const path = pathOf(e);
    const key = JSON.stringify(path);
    // With allErrors ajv reports both `type` and `enum` for `log_level: 5`; the first says it best.
    if (seen.has(key)) continue;
    seen.add(key);
    const isKey = e.keyword === 'additionalProperties';
    problems.push(new ConfigError(describe(e, path, valueAt(data, path), schema.formats), position(offsetOf(doc, path, isKey))));
  }
  return fail(problems);
}

// pathOf turns an ajv error into the path of the offending node; for an unknown field that is the
// field itself, so the position lands on its key.
function pathOf(e: ErrorObject): string[] {
  const path = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map(unescapePointer);
  if (e.keyword === 'additionalProperties') path.push(String(e.params['additionalProperty']));
  return path;
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

function fieldName(path: Path): string {
  return path.map((s, i) => (/^\d+$/.test(String(s)) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function describe(e: ErrorObject, path: string[], value: unknown, formats: Record<string, FormatCheck>): string {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    const parent = fieldName(path.slice(0, -1));
    return `${parent ? `${parent}: ` : ''}unknown field '${path.at(-1)}'`;
  }
  const field = fieldName(path) || 'top level';
  switch (e.keyword) {
    case 'type':
      return `${field}: must be ${String(params['type']).split(',').map(typeName).join(' or ')}, got ${kindOf(value)}`;
    case 'enum':
      return `${field}: must be one of ${(params['allowedValues'] as unknown[]).join(', ')}`;
    case 'format': {
      const check = formats[String(params['format'])];
      return `${field}: ${(typeof value === 'string' && check?.(value)) || e.message}`;
    }
    case 'minLength':
      return params['limit'] === 1 ? `${field}: must not be empty` : `${field}: ${e.message}`;
    case 'required':
      return `${field}: missing required field '${String(params['missingProperty'])}'`;
    default:
      return `${field}: ${e.message ?? e.keyword}`;
  }
}

function typeName(t: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    null: 'empty',
  };
  return names[t] ?? t;
}

// kindOf names what the user wrote without quoting it: values may be secrets.
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'boolean') return 'true or false';
  return typeName(typeof value);
}

function valueAt(data: unknown, path: Path): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[String(segment)];
  }
  return current;
}

/**
 * offsetOf finds where the node at `path` starts. `key` asks for the map key rather than the value
 * (an unknown field is the key's fault). A missing or empty value (`listen:` with nothing after it)
 * points at its key, and a path that runs out points at the deepest node found. This walk does
 * what `doc.getIn(path, true)` does, but also matches non-string keys by their text and keeps the
 * key node.
 */
function offsetOf(doc: Document, path: Path, key: boolean): number {
  let current: unknown = doc.contents;
  let found = startOf(current) ?? 0;
  for (const segment of path) {
    if (isAlias(current)) current = current.resolve(doc);
    if (isMap(current)) {
      const pair = current.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === String(segment));
      if (pair === undefined) return found;
      found = startOf(pair.key) ?? found;
      current = pair.value;
    } else if (isSeq(current)) {
      current = current.items[Number(segment)];
    } else {
      return found;
    }
    if (key) continue;
    const range = isNode(current) ? current.range : undefined;
    if (range && range[1] > range[0]) found = range[0];
  }
  return found;
}

function startOf(node: unknown): number | undefined {
  return isNode(node) ? node.range?.[0] : undefined;
}
