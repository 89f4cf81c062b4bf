/**
 * Reader is the typed layer over YamlWalk the `alerting:` parser reads with: every getter reports
 * a problem at the exact node and returns undefined, so parsing goes on and collects every problem.
 * Messages name the field by its path (`receivers[0].slack_configs[1].channel`) and never quote a
 * value the user wrote in a secret field.
 */
import { YAMLMap, isMap, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';
import type { Position } from '../../errors.ts';
import type { Field } from '../../rules/yaml-walk.ts';
import { YamlWalk } from '../../rules/yaml-walk.ts';
import { parseDuration } from '../duration.ts';

/** Fields is a mapping's known keys, read with `Reader.fields`. */
export type Fields = Map<string, Field>;

/** Reader reads one YAML document (the config file, or the Alertmanager file it names). */
export class Reader {
  readonly walk: YamlWalk;
  /** Directory `*_file` paths and `templates:` globs are relative to. */
  readonly baseDir: string;
  /** The file name as the user wrote it, for messages. */
  readonly file: string;

  constructor(walk: YamlWalk, file: string, baseDir: string) {
    this.walk = walk;
    this.file = file;
    this.baseDir = baseDir;
  }

  /** at is where a node (or the fallback's node) starts. */
  at(node: Node | null | undefined, fallback?: Node | null): Position {
    return this.walk.at(node, fallback);
  }

  /** atField is where a field's value starts, or its key when the value is empty. */
  atField(field: Field): Position {
    return this.walk.at(field.value ?? field.key);
  }

  /** report records a problem at `where`. */
  report(message: string, where: Position): void {
    this.walk.report(message, where);
  }

  /**
   * fields reads a mapping's keys. Keys in `unsupported` are Alertmanager fields Runwarden does not
   * implement: refused by name, so a pasted config never silently loses a setting.
   */
  fields(node: Node | null, what: string, known: readonly string[], unsupported: readonly string[] = []): Fields | undefined {
    const map = node === null ? undefined : this.walk.mapping(node, what, node);
    if (map === undefined) return undefined;
    return this.fieldsOf(map, what, known, unsupported);
  }

  /** fieldsOf is `fields` for a node already known to be a mapping. */
  fieldsOf(map: YAMLMap, what: string, known: readonly string[], unsupported: readonly string[] = []): Fields {
    const prefix = what === '' ? '' : `${what}: `;
    const out: Fields = new Map();
    for (const [name, field] of this.walk.fields(this.#merged(map, what), [...known, ...unsupported], prefix)) {
      if (unsupported.includes(name)) {
        this.report(`${prefix}${JSON.stringify(name)} is an Alertmanager field Runwarden does not support`, this.at(field.key));
      } else {
        out.set(name, field);
      }
    }
    return out;
  }

  // #merged applies YAML 1.1 merge keys (`<<: *defaults`, `<<: [*a, *b]`), which Alertmanager's
  // yaml.v2 honours: keys written in the mapping win, then earlier merged mappings over later ones.
  #merged(map: YAMLMap, what: string): YAMLMap {
    const merges = map.items.filter((p) => isScalar(p.key) && p.key.value === '<<' && p.key.type === 'PLAIN');
    if (merges.length === 0) return map;
    const own = map.items.filter((p) => !merges.includes(p));
    const seen = new Set(own.map((p) => (isScalar(p.key) ? String(p.key.value) : p.key)));
    const out = new YAMLMap();
    out.items = [...own];
    for (const merge of merges) {
      const value = this.walk.deref(merge.value);
      const sources = isSeq(value) ? value.items.map((i) => this.walk.deref(i)) : [value];
      for (const source of sources) {
        if (!isMap(source)) {
          this.report(`${what === '' ? '' : `${what}: `}<< must merge a mapping or a list of mappings`, this.at(source, merge.key as Node));
          continue;
        }
        for (const pair of this.#merged(source, what).items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : pair.key;
          if (seen.has(key)) continue;
          seen.add(key);
          out.items.push(pair);
        }
      }
    }
    return out;
  }

  /** string reads a scalar field as written; undefined when absent or not a scalar. */
  string(fields: Fields | undefined, name: string, what: string): string | undefined {
    return this.walk.string(fields?.get(name), `${what}.${name}`.replace(/^\./, ''));
  }

  /** nonEmpty reads a string that must not be empty when present. */
  nonEmpty(fields: Fields | undefined, name: string, what: string): string | undefined {
    const field = fields?.get(name);
    const value = this.string(fields, name, what);
    if (value === '' && field) {
      this.report(`${join(what, name)}: must not be empty`, this.atField(field));
      return undefined;
    }
    return value;
  }

  /** bool reads `true`/`false`. */
  bool(fields: Fields | undefined, name: string, what: string): boolean | undefined {
    const field = fields?.get(name);
    if (field === undefined) return undefined;
    const node = field.value;
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    // Alertmanager's YAML library (yaml.v2) reads YAML 1.1, where a plain yes/no/on/off is a bool.
    if (isScalar(node) && node.type === 'PLAIN' && typeof node.value === 'string') {
      if (YAML11_TRUE.has(node.value)) return true;
      if (YAML11_FALSE.has(node.value)) return false;
    }
    this.report(`${join(what, name)}: must be true or false`, this.atField(field));
    return undefined;
  }

  /** integer reads a whole number of at least `min`. */
  integer(fields: Fields | undefined, name: string, what: string, min: number): number | undefined {
    const field = fields?.get(name);
    if (field === undefined) return undefined;
    const node = field.value;
    if (isScalar(node) && typeof node.value === 'number' && Number.isSafeInteger(node.value) && node.value >= min) return node.value;
    this.report(`${join(what, name)}: must be an integer of at least ${min}`, this.atField(field));
    return undefined;
  }

  /** duration reads a Prometheus duration in milliseconds; `positive` refuses `0s`. */
  duration(fields: Fields | undefined, name: string, what: string, positive: boolean): number | undefined {
    const field = fields?.get(name);
    const text = this.string(fields, name, what);
    if (text === undefined || field === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined) {
      this.report(`${join(what, name)}: ${JSON.stringify(text)} is not a duration (like 30s, 5m, 4h, 1d)`, this.atField(field));
      return undefined;
    }
    if (positive && ms === 0) {
      this.report(`${join(what, name)}: cannot be zero`, this.atField(field));
      return undefined;
    }
    return ms;
  }

  /** strings reads a list of scalars, each with its node. */
  strings(fields: Fields | undefined, name: string, what: string): { value: string; node: Node }[] | undefined {
    const field = fields?.get(name);
    if (field === undefined) return undefined;
    const out: { value: string; node: Node }[] = [];
    this.sequence(field, join(what, name)).forEach((node, i) => {
      const value = this.walk.string({ name, key: field.key, value: node }, `${join(what, name)}[${i}]`);
      if (value !== undefined) out.push({ value, node });
    });
    return out;
  }

  /** sequence reads a field as a list of nodes; an empty value is an empty list. */
  sequence(field: Field | undefined, what: string): Node[] {
    if (field === undefined) return [];
    return this.walk.sequence(field.value, what);
  }
}

const YAML11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const YAML11_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

/** join names a field inside `what`. */
export function join(what: string, name: string): string {
  return what === '' ? name : `${what}.${name}`;
}
