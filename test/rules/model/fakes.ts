/**
 * Small fakes of the rule engine's collaborators for the rule-model tests: a sample store, PromQL
 * expressions computed by a function, a template language with `{{ $labels.x }}`, `{{ $value }}`
 * and `{{ $externalLabels.x }}`, and compilers that refuse marked text at a known offset.
 */
import { labelsKey } from '../../../src/rules/label-set.ts';
import type { AlertingRuleSpec, RecordingRuleSpec, RuleCompilers } from '../../../src/rules/rule-spec.ts';
import type { CompiledExpr, CompiledTemplate, Labels, Matcher, Point, RangeSeries, Sample, SeriesSource, TemplateData } from '../../../src/rules/types.ts';
import type { SampleWriter } from '../../../src/rules/group.ts';
import { RunwardenError } from '../../../src/errors.ts';

/** MemoryStore is a SeriesSource and SampleWriter over plain arrays. */
export class MemoryStore implements SeriesSource, SampleWriter {
  readonly series = new Map<string, { labels: Labels; points: Point[] }>();

  append(labels: Labels, t: number, v: number): void {
    this.#entry(labels).points.push({ t, v });
  }

  markStale(labels: Labels, t: number): void {
    this.#entry(labels).points.push({ t, v: NaN, stale: true });
  }

  *select(matchers: readonly Matcher[], minT: number, maxT: number): Iterable<RangeSeries> {
    for (const s of this.series.values()) {
      if (!matchers.every((m) => matches(m, s.labels[m.name] ?? ''))) continue;
      const points = s.points.filter((p) => p.t >= minT && p.t <= maxT);
      if (points.length > 0) yield { labels: s.labels, points };
    }
  }

  /** points lists a series' points (by exact labels), for assertions. */
  points(labels: Labels): Point[] {
    return this.series.get(labelsKey(labels))?.points ?? [];
  }

  /** names lists every series as `name{labels}` keys with its points, for assertions. */
  byName(name: string): Array<{ labels: Labels; points: Point[] }> {
    return [...this.series.values()].filter((s) => s.labels['__name__'] === name);
  }

  #entry(labels: Labels): { labels: Labels; points: Point[] } {
    const key = labelsKey(labels);
    let e = this.series.get(key);
    if (!e) this.series.set(key, (e = { labels, points: [] }));
    return e;
  }
}

function matches(m: Matcher, value: string): boolean {
  switch (m.type) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(value);
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test(value);
  }
}

/** fnExpr is an expression whose instant vector at `t` is `fn(t, source)`. */
export function fnExpr(text: string, fn: (t: number, source: SeriesSource) => Sample[]): CompiledExpr {
  return { text, evaluate: (t, source) => ({ type: 'vector', samples: fn(t, source) }) };
}

/**
 * selectorExpr is `name{...} OP threshold` over the store: each series' latest point in
 * (t - 5m, t], not stale, filtered by the comparison (`__name__` kept, as PromQL's filters do).
 */
export function selectorExpr(name: string, op: '>' | '>=' | 'none' = 'none', threshold = 0): CompiledExpr {
  return fnExpr(`${name}${op === 'none' ? '' : ` ${op} ${threshold}`}`, (t, source) => {
    const out: Sample[] = [];
    for (const s of source.select([{ name: '__name__', type: '=', value: name }], t - 300_000 + 1, t)) {
      const last = s.points.at(-1);
      if (!last || last.stale) continue;
      if (op === '>' && !(last.v > threshold)) continue;
      if (op === '>=' && !(last.v >= threshold)) continue;
      out.push({ labels: s.labels, value: last.v });
    }
    return out;
  });
}

/** tableExpr returns, at tick `t / stepMs`, one sample per series whose value at that tick is not null. */
export function tableExpr(series: ReadonlyArray<{ labels: Labels; values: ReadonlyArray<number | null> }>, stepMs = 60_000): CompiledExpr {
  return fnExpr('table', (t) =>
    series.flatMap((s) => {
      const v = s.values[Math.round(t / stepMs)];
      return v === null || v === undefined ? [] : [{ labels: s.labels, value: v }];
    }),
  );
}

/** FakeTemplateError mimics TemplateError: a stable code and a position inside the template. */
export class FakeTemplateError extends RunwardenError {
  readonly position: { line: number; col: number };
  constructor(message: string, position: { line: number; col: number }) {
    super('RUNWARDEN_ERR_TEMPLATE', message);
    this.position = position;
  }
}

/** FakePromQLError mimics PromQLError: a stable code, a position and an offset inside the expression. */
export class FakePromQLError extends RunwardenError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('RUNWARDEN_ERR_PROMQL', message);
    this.offset = offset;
  }
}

const ACTION = /\{\{\s*(.*?)\s*\}\}/g;

/**
 * fakeTemplate supports `{{ $labels.name }}`, `{{ $value }}`, `{{ $externalLabels.name }}`;
 * `{{ fail }}` fails at render; an unclosed `{{` fails to compile at its line and column.
 */
export function fakeTemplate(text: string): CompiledTemplate {
  const open = text.lastIndexOf('{{');
  if (open !== -1 && text.indexOf('}}', open) === -1) {
    const before = text.slice(0, open).split('\n');
    throw new FakeTemplateError('unclosed action', { line: before.length, col: (before.at(-1) as string).length + 1 });
  }
  return {
    text,
    render(data: TemplateData): string {
      return text.replace(ACTION, (_, action: string) => {
        if (action === '$value') return String(data.value);
        if (action.startsWith('$labels.')) return data.labels[action.slice(8)] ?? '';
        if (action.startsWith('$externalLabels.')) return data.externalLabels[action.slice(16)] ?? '';
        throw new FakeTemplateError(`function "${action}" not defined`, { line: 1, col: 1 });
      });
    },
  };
}

/** fakeCompilers compile anything; an expression containing `BAD` fails at the offset of `BAD`. */
export const fakeCompilers: RuleCompilers = {
  compileExpr(text) {
    const bad = text.indexOf('BAD');
    if (bad !== -1) throw new FakePromQLError('unexpected identifier "BAD"', bad);
    return fnExpr(text, () => []);
  },
  compileTemplate: (text) => fakeTemplate(text),
};

/** alertSpec builds an alerting-rule spec for tests; templates are compiled with fakeTemplate. */
export function alertSpec(
  name: string,
  expr: CompiledExpr,
  opts: { forMs?: number; keepFiringForMs?: number; labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): AlertingRuleSpec {
  const labels = opts.labels ?? {};
  const annotations = opts.annotations ?? {};
  return {
    kind: 'alerting',
    name,
    expr,
    forMs: opts.forMs ?? 0,
    keepFiringForMs: opts.keepFiringForMs ?? 0,
    labels,
    annotations,
    labelTemplates: new Map(Object.entries(labels).map(([k, v]) => [k, fakeTemplate(v)])),
    annotationTemplates: new Map(Object.entries(annotations).map(([k, v]) => [k, fakeTemplate(v)])),
  };
}

/** recordSpec builds a recording-rule spec for tests. */
export function recordSpec(name: string, expr: CompiledExpr, labels: Record<string, string> = {}): RecordingRuleSpec {
  return { kind: 'recording', name, expr, labels };
}

/** EVAL is the evaluation context tests use: no offset, no limit. */
export const EVAL_OPTIONS = { compat: 3, lookbackDeltaMs: 300_000 } as const;
