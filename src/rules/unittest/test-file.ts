/**
 * The promtool rule unit-test file (`docs/configuration/unit_testing_rules.md`) and its decoder.
 * promtool reads it with `yaml.UnmarshalStrict` (gopkg.in/yaml.v2): an unknown field, a repeated
 * key or a value of the wrong type fails the whole file; scalars decode into string fields by their
 * source text (`code: 500` is "500", `eval_time: 0` is "0s"). The decoder does the same, so a file
 * promtool refuses is refused here too, with yaml.v2's wording and line numbers.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node, Scalar } from 'yaml';
import { parseDuration } from '../../config/duration.ts';

/** UnitTestFile is one test file. Durations are milliseconds; 0 means the field was absent or zero. */
export interface UnitTestFile {
  ruleFiles: string[];
  evaluationIntervalMs: number;
  groupEvalOrder: string[];
  tests: TestGroup[];
}

/** TestGroup is one entry of `tests`: input series plus the checks that run over them. */
export interface TestGroup {
  name: string;
  intervalMs: number;
  inputSeries: InputSeries[];
  alertRuleTests: AlertTestCase[];
  promqlExprTests: PromqlTestCase[];
  externalLabels: Record<string, string>;
  externalURL: string;
}

/** InputSeries is a series selector and its values in expanding notation (`0+1x10 _ stale`). */
export interface InputSeries {
  series: string;
  values: string;
}

/** AlertTestCase lists the alerts expected to be firing under one alertname at one time. */
export interface AlertTestCase {
  evalTimeMs: number;
  alertname: string;
  expAlerts: ExpectedAlert[];
}

/** ExpectedAlert is an alert's labels (without `alertname`) and annotations; null when the field was absent. */
export interface ExpectedAlert {
  expLabels: Record<string, string> | null;
  expAnnotations: Record<string, string> | null;
}

/** PromqlTestCase is an instant query at one time and the samples it must return. */
export interface PromqlTestCase {
  expr: string;
  evalTimeMs: number;
  expSamples: ExpectedSample[];
}

/** ExpectedSample is a label set in series notation and a value. */
export interface ExpectedSample {
  labels: string;
  value: number;
}

/** TestFileError is a test file that cannot be decoded; its message is what promtool would print. */
export class TestFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TestFileError';
  }
}

type Fields = Record<string, (node: Node | null) => void>;

class Decoder {
  readonly problems: string[] = [];
  // A custom unmarshaler's error (a bad duration) ends decoding at once in yaml.v2.
  fatal: string | undefined;
  private readonly lines: LineCounter;
  constructor(lines: LineCounter) {
    this.lines = lines;
  }

  line(node: Node): number {
    return this.lines.linePos(node.range?.[0] ?? 0).line;
  }

  mismatch(node: Node, into: string): void {
    let what: string;
    if (isScalar(node)) {
      const text = scalarText(node);
      what = `${tagOf(node)} \`${text.length > 10 ? `${text.slice(0, 7)}...` : text}\``;
    } else {
      what = isMap(node) ? '!!map' : '!!seq';
    }
    this.problems.push(`line ${this.line(node)}: cannot unmarshal ${what} into ${into}`);
  }

  struct(node: Node | null, type: string, fields: Fields): void {
    if (node === null || isNull(node)) return;
    if (!isMap(node)) return this.mismatch(node, type);
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      const name = key !== null && isScalar(key) ? scalarText(key) : '';
      const line = key ? this.line(key) : 0;
      const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
      if (!field) {
        this.problems.push(`line ${line}: field ${name} not found in type ${type}`);
        continue;
      }
      if (seen.has(name)) {
        this.problems.push(`line ${line}: field ${name} already set in type ${type}`);
        continue;
      }
      seen.add(name);
      field((pair.value as Node | null) ?? null);
    }
  }

  string(node: Node | null): string {
    if (node === null || isNull(node)) return '';
    if (!isScalar(node)) {
      this.mismatch(node, 'string');
      return '';
    }
    return scalarText(node);
  }

  float(node: Node | null): number {
    if (node === null || isNull(node)) return 0;
    if (isScalar(node) && typeof node.value === 'number') return node.value;
    this.mismatch(node, 'float64');
    return 0;
  }

  duration(node: Node | null): number {
    const text = this.string(node);
    if (text === '') return 0;
    const ms = parseDuration(text);
    if (ms === undefined) {
      this.fatal ??= `not a valid duration string: ${JSON.stringify(text)}`;
      return 0;
    }
    return ms;
  }

  list<T>(node: Node | null, type: string, item: (node: Node | null) => T): T[] {
    if (node === null || isNull(node)) return [];
    if (!isSeq(node)) {
      this.mismatch(node, type);
      return [];
    }
    return node.items.map((n) => item((n as Node | null) ?? null));
  }

  stringMap(node: Node | null): Record<string, string> | null {
    if (node === null || isNull(node)) return null;
    if (!isMap(node)) {
      this.mismatch(node, 'map[string]string');
      return null;
    }
    const out: Record<string, string> = {};
    for (const pair of node.items) {
      const keyNode = (pair.key as Node | null) ?? null;
      const key = this.string(keyNode);
      if (Object.hasOwn(out, key)) {
        this.problems.push(`line ${keyNode ? this.line(keyNode) : 0}: key ${JSON.stringify(key)} already set in map`);
        continue;
      }
      out[key] = this.string((pair.value as Node | null) ?? null);
    }
    return out;
  }
}

function isNull(node: Node): boolean {
  return isScalar(node) && node.value === null;
}

// scalarText is the text yaml.v2 stores in a string field: the source of a plain scalar, the
// decoded value of a quoted or block one.
function scalarText(node: Scalar): string {
  if (node.value === null) return '';
  if (node.type === 'PLAIN' && typeof node.source === 'string') return node.source;
  return String(node.value);
}

function tagOf(node: Scalar): string {
  switch (typeof node.value) {
    case 'number':
      return Number.isInteger(node.value) && !/[.eE]/.test(scalarText(node)) ? '!!int' : '!!float';
    case 'boolean':
      return '!!bool';
    default:
      return node.value === null ? '!!null' : '!!str';
  }
}

function decodeTestGroup(d: Decoder, node: Node | null): TestGroup {
  const g: TestGroup = {
    name: '',
    intervalMs: 0,
    inputSeries: [],
    alertRuleTests: [],
    promqlExprTests: [],
    externalLabels: {},
    externalURL: '',
  };
  d.struct(node, 'main.testGroup', {
    interval: (n) => (g.intervalMs = d.duration(n)),
    input_series: (n) =>
      (g.inputSeries = d.list(n, '[]main.series', (s) => {
        const series: InputSeries = { series: '', values: '' };
        d.struct(s, 'main.series', {
          series: (v) => (series.series = d.string(v)),
          values: (v) => (series.values = d.string(v)),
        });
        return series;
      })),
    alert_rule_test: (n) => (g.alertRuleTests = d.list(n, '[]main.alertTestCase', (a) => decodeAlertTest(d, a))),
    promql_expr_test: (n) => (g.promqlExprTests = d.list(n, '[]main.promqlTestCase', (p) => decodePromqlTest(d, p))),
    external_labels: (n) => (g.externalLabels = d.stringMap(n) ?? {}),
    external_url: (n) => (g.externalURL = d.string(n)),
    name: (n) => (g.name = d.string(n)),
  });
  return g;
}

function decodeAlertTest(d: Decoder, node: Node | null): AlertTestCase {
  const t: AlertTestCase = { evalTimeMs: 0, alertname: '', expAlerts: [] };
  d.struct(node, 'main.alertTestCase', {
    eval_time: (n) => (t.evalTimeMs = d.duration(n)),
    alertname: (n) => (t.alertname = d.string(n)),
    exp_alerts: (n) =>
      (t.expAlerts = d.list(n, '[]main.alert', (a) => {
        const alert: ExpectedAlert = { expLabels: null, expAnnotations: null };
        d.struct(a, 'main.alert', {
          exp_labels: (v) => (alert.expLabels = d.stringMap(v)),
          exp_annotations: (v) => (alert.expAnnotations = d.stringMap(v)),
        });
        return alert;
      })),
  });
  return t;
}

function decodePromqlTest(d: Decoder, node: Node | null): PromqlTestCase {
  const t: PromqlTestCase = { expr: '', evalTimeMs: 0, expSamples: [] };
  d.struct(node, 'main.promqlTestCase', {
    expr: (n) => (t.expr = d.string(n)),
    eval_time: (n) => (t.evalTimeMs = d.duration(n)),
    exp_samples: (n) =>
      (t.expSamples = d.list(n, '[]main.sample', (s) => {
        const sample: ExpectedSample = { labels: '', value: 0 };
        d.struct(s, 'main.sample', {
          labels: (v) => (sample.labels = d.string(v)),
          value: (v) => (sample.value = d.float(v)),
        });
        return sample;
      })),
  });
  return t;
}

/** parseTestFile decodes a test file's text; throws TestFileError with yaml.v2's message when promtool would refuse it. */
export function parseTestFile(text: string): UnitTestFile {
  const lines = new LineCounter();
  // Repeated keys are reported by the decoder, in yaml.v2's words.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new TestFileError(`yaml: line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`);
  }
  const d = new Decoder(lines);
  const file: UnitTestFile = { ruleFiles: [], evaluationIntervalMs: 0, groupEvalOrder: [], tests: [] };
  d.struct(doc.contents as Node | null, 'main.unitTestFile', {
    rule_files: (n) => (file.ruleFiles = d.list(n, '[]string', (s) => d.string(s))),
    evaluation_interval: (n) => (file.evaluationIntervalMs = d.duration(n)),
    group_eval_order: (n) => (file.groupEvalOrder = d.list(n, '[]string', (s) => d.string(s))),
    tests: (n) => (file.tests = d.list(n, '[]main.testGroup', (g) => decodeTestGroup(d, g))),
  });
  if (d.fatal !== undefined) throw new TestFileError(d.fatal);
  if (d.problems.length > 0) {
    throw new TestFileError(`yaml: unmarshal errors:\n${d.problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return file;
}

