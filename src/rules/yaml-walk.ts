/**
 * YamlWalk reads a parsed YAML document the way Go's yaml.v3 decodes it into Prometheus's rule
 * structs (any scalar decodes into a string field as written: `expr: 1`, `severity: 2`), and
 * collects every problem with its exact file position instead of stopping at the first.
 */
import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq } from 'yaml';
import type { Document, Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { ConfigError } from '../errors.ts';
import type { Position } from '../errors.ts';
import type { TextPosition } from './types.ts';
import { indexOfPosition, scalarOffsets } from './yaml-scalar-map.ts';

/** Field is one key of a mapping: its key node and its value node (null when empty: `for:`). */
export interface Field {
  readonly name: string;
  readonly key: Node;
  readonly value: Node | null;
}

/** YamlWalk holds one document and the problems found in it so far. */
export class YamlWalk {
  readonly problems: ConfigError[] = [];
  readonly #file: string;
  readonly #text: string;
  readonly #lines: LineCounter;
  readonly #doc: Document;

  constructor(file: string, text: string, lines: LineCounter, doc: Document) {
    this.#file = file;
    this.#text = text;
    this.#lines = lines;
    this.#doc = doc;
  }

  /** position converts an offset in the file into a file position. */
  position(offset: number): Position {
    return { file: this.#file, ...this.#lines.linePos(offset) };
  }

  /** at is where a node starts (or `fallback`'s start for a missing node). */
  at(node: Node | null | undefined, fallback?: Node | null): Position {
    const start = node?.range?.[0] ?? fallback?.range?.[0] ?? 0;
    return this.position(start);
  }

  /** report records a problem at `where`. */
  report(message: string, where: Position): void {
    this.problems.push(new ConfigError(message, where));
  }

  /** deref follows an alias (`*name`) to the node it names. */
  deref(node: unknown): Node | null {
    if (isAlias(node)) return (node.resolve(this.#doc) as Node | undefined) ?? null;
    return isNode(node) ? node : null;
  }

  /**
   * fields lists a mapping's keys; a key outside `known` is reported as an unknown field (as
   * Prometheus's strict decoding refuses it) and left out.
   */
  fields(map: YAMLMap, known: readonly string[], where: string): Map<string, Field> {
    const out = new Map<string, Field>();
    for (const pair of map.items as Pair<unknown, unknown>[]) {
      const key = this.deref(pair.key);
      const name = isScalar(key) ? scalarText(key) : '';
      if (!known.includes(name)) {
        this.report(`${where}unknown field ${JSON.stringify(name)}${hint(name, known)}`, this.at(key));
        continue;
      }
      out.set(name, { name, key: key as Node, value: this.deref(pair.value) });
    }
    return out;
  }

  /** mapping returns `node` if it is a mapping, reporting otherwise. An empty node is undefined. */
  mapping(node: Node | null, what: string, where: Node | null): YAMLMap | undefined {
    if (node === null || (isScalar(node) && node.value === null)) return undefined;
    if (isMap(node)) return node;
    this.report(`${what} must be a mapping, got ${kindOf(node)}`, this.at(node, where));
    return undefined;
  }

  /** requireMapping returns `node` if it is a mapping, reporting anything else, an empty node included. */
  requireMapping(node: Node, what: string): YAMLMap | undefined {
    if (isMap(node)) return node;
    this.report(`${what} must be a mapping, got ${kindOf(node)}`, this.at(node));
    return undefined;
  }

  /** sequence returns the items of a list; an empty value is an empty list. */
  sequence(node: Node | null, what: string): Node[] {
    if (node === null || (isScalar(node) && node.value === null)) return [];
    if (isSeq(node)) return (node as YAMLSeq<unknown>).items.map((item) => this.deref(item)).filter((n): n is Node => n !== null);
    this.report(`${what} must be a list, got ${kindOf(node)}`, this.at(node));
    return [];
  }

  /** string reads a scalar as a string (as written); an empty value is ''. Reports non-scalars. */
  string(field: Field | undefined, what: string): string | undefined {
    if (field === undefined) return undefined;
    const node = field.value;
    if (node === null) return '';
    if (isScalar(node)) return scalarText(node);
    this.report(`${what} must be a string, got ${kindOf(node)}`, this.at(node));
    return undefined;
  }

  /** stringMap reads a mapping of names to scalars (labels, annotations), in file order. */
  stringMap(field: Field | undefined, what: string): Array<{ name: string; value: string; key: Node; node: Node | null }> {
    const map = field === undefined ? undefined : this.mapping(field.value, what, field.key);
    if (map === undefined) return [];
    const out: Array<{ name: string; value: string; key: Node; node: Node | null }> = [];
    for (const pair of map.items as Pair<unknown, unknown>[]) {
      const key = this.deref(pair.key);
      const node = this.deref(pair.value);
      if (!isScalar(key)) {
        this.report(`${what}: names must be strings, got ${kindOf(key)}`, this.at(key));
        continue;
      }
      const name = scalarText(key);
      const value = this.string({ name, key, value: node }, `${what}.${name}`);
      if (value !== undefined) out.push({ name, value, key, node });
    }
    return out;
  }

  /**
   * inScalar is the file position of a problem inside a scalar's value, given as a 0-based index
   * or a 1-based line and column of the value. Falls back to the scalar's start when the value
   * cannot be mapped character by character.
   */
  inScalar(node: Node | null, where: { index?: number; position?: TextPosition }): Position {
    if (node === null || !isScalar(node)) return this.at(node);
    const offsets = scalarOffsets(this.#text, node);
    if (offsets === undefined) return this.at(node);
    const value = scalarText(node);
    let index = where.index;
    if (index === undefined && where.position !== undefined) index = indexOfPosition(value, where.position.line, where.position.col);
    index = Math.min(Math.max(index ?? 0, 0), value.length);
    // "Unexpected end of input" belongs just after the last character written, not after the
    // newline a block scalar keeps (which would be the start of the next key).
    const end = value.trimEnd().length;
    if (index >= end && end > 0) return this.position((offsets[end - 1] as number) + 1);
    return this.position(offsets[index] as number);
  }
}

/** scalarText is a scalar as yaml.v3 decodes it into a Go string: as written; null is ''. */
export function scalarText(node: Scalar): string {
  if (node.value === null || node.value === undefined) return '';
  return typeof node.source === 'string' ? node.source : String(node.value);
}

/**
 * errorPlace reads where inside a compiled text a compiler put its error: a 0-based `offset`, or a
 * 1-based `position: {line, col}` (PromQLError and TemplateError carry them). undefined when the
 * error says nothing about where.
 */
export function errorPlace(err: unknown): { index?: number; position?: TextPosition } | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const { offset, position } = err as { offset?: unknown; position?: unknown };
  if (typeof offset === 'number' && Number.isInteger(offset)) return { index: offset };
  if (position !== null && typeof position === 'object') {
    const { line, col } = position as { line?: unknown; col?: unknown };
    if (typeof line === 'number' && typeof col === 'number') return { position: { line, col } };
  }
  return undefined;
}

function kindOf(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'nothing' : typeof node.value === 'string' ? 'a string' : typeof node.value === 'number' ? 'a number' : 'a scalar';
  return 'something else';
}

// hint suggests the known field a misspelt one was probably meant to be.
function hint(name: string, known: readonly string[]): string {
  const close = known.find((k) => distance(k, name) <= Math.max(1, Math.floor(k.length / 4)));
  return close === undefined ? '' : ` (did you mean ${JSON.stringify(close)}?)`;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
