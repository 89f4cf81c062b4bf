/**
 * Rule files: Prometheus's format unchanged (`groups: [{name, interval, query_offset, limit,
 * labels, rules: [{alert | record, expr, for, keep_firing_for, labels, annotations}]}]`), validated
 * as Prometheus's `rulefmt` validates it, plus the shorthand (`rules: [{name, condition, level}]`
 * at the top level or inside a group's `rules`). Every problem is reported, each at its exact
 * `file:line:col`, including problems inside an expression or a template, whatever the quoting.
 */
import { basename, extname } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import { ConfigErrors } from '../config/config-errors.ts';
import { parseDuration } from '../config/duration.ts';
import { ConfigError } from '../errors.ts';
import type { Position } from '../errors.ts';
import { METRIC_NAME_LABEL, isValidLabelName, isValidMetricName, makeRecord } from './label-set.ts';
import { defaultCompilers } from './compilers.ts';
import type { AlertingRuleSpec, GroupSpec, RecordingRuleSpec, RuleCompilers, RuleFile, RuleSpec } from './rule-spec.ts';
import { compileCondition, severityOf } from './shorthand.ts';
import type { CompiledExpr, CompiledTemplate, Labels } from './types.ts';
import { YamlWalk, errorPlace } from './yaml-walk.ts';
import type { Field } from './yaml-walk.ts';

const TOP_FIELDS = ['groups', 'rules'] as const;
const GROUP_FIELDS = ['name', 'interval', 'query_offset', 'limit', 'labels', 'rules'] as const;
const RULE_FIELDS = ['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'] as const;
const SHORTHAND_FIELDS = ['name', 'condition', 'level', 'for', 'keep_firing_for', 'labels', 'annotations'] as const;
const ANY_RULE_FIELDS = [...new Set([...RULE_FIELDS, ...SHORTHAND_FIELDS])];
const SHORTHAND_KEYS = ['name', 'condition', 'level'];
const PROMETHEUS_KEYS = ['alert', 'record', 'expr'];

/**
 * loadRuleFile parses and validates the rule file `file` (named as the user named it: it prefixes
 * every message) whose contents are `text`, compiling expressions and templates with `compilers`
 * (the PromQL engine and the template language unless given).
 * Throws ConfigErrors listing every problem, sorted by position, each `file:line:col: problem`.
 * A file of shorthand rules at its top level loads as one group named after the file.
 */
export function loadRuleFile(file: string, text: string, compilers: RuleCompilers = defaultCompilers): RuleFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const walk = new YamlWalk(file, text, lines, doc);
  if (doc.errors.length > 0) {
    throw new ConfigErrors(doc.errors.map((e) => new ConfigError(`invalid YAML: ${e.message.split('\n')[0]}`, walk.position(e.pos[0]))));
  }
  const loader = new Loader(walk, file, compilers);
  const groups = loader.file(walk.deref(doc.contents));
  if (walk.problems.length > 0) throw new ConfigErrors(walk.problems);
  return { file, groups };
}

// RuleContext is what a rule inherits from its group, and its place for messages.
interface RuleContext {
  group: string;
  index: number;
  groupLabels: Labels;
}

class Loader {
  readonly #walk: YamlWalk;
  readonly #file: string;
  readonly #compilers: RuleCompilers;

  constructor(walk: YamlWalk, file: string, compilers: RuleCompilers) {
    this.#walk = walk;
    this.#file = file;
    this.#compilers = compilers;
  }

  file(top: Node | null): GroupSpec[] {
    const w = this.#walk;
    const map = w.mapping(top, 'a rule file', top);
    if (map === undefined) return [];
    const fields = w.fields(map, TOP_FIELDS, '');
    const groupsField = fields.get('groups');
    const rulesField = fields.get('rules');
    if (groupsField && rulesField) {
      w.report("a rule file has either 'groups' (Prometheus's format) or 'rules' (shorthand) at its top level, not both", w.at(rulesField.key));
      return [];
    }
    if (rulesField) {
      const name = basename(this.#file, extname(this.#file));
      const rules = w.sequence(rulesField.value, 'rules');
      const context: RuleContext = { group: name, index: 0, groupLabels: makeRecord([]) };
      const specs = rules.map((node, i) => this.#rule(node, { ...context, index: i + 1 })).filter((r): r is RuleSpec => r !== undefined);
      return [{ name, file: this.#file, intervalMs: undefined, queryOffsetMs: undefined, limit: 0, labels: makeRecord([]), rules: specs, position: w.at(rulesField.key) }];
    }
    const seen = new Set<string>();
    return w
      .sequence(groupsField?.value ?? null, 'groups')
      .map((node) => this.#group(node, seen))
      .filter((g): g is GroupSpec => g !== undefined);
  }

  #group(node: Node, seen: Set<string>): GroupSpec | undefined {
    const w = this.#walk;
    const map = w.requireMapping(node, 'a group');
    if (map === undefined) return undefined;
    const fields = w.fields(map, GROUP_FIELDS, 'group: ');
    const name = w.string(fields.get('name'), 'group name') ?? '';
    const where = `group ${JSON.stringify(name)}: `;
    if (name === '') w.report('group name must not be empty', w.at(fields.get('name')?.value, map));
    else if (seen.has(name)) w.report(`groupname: ${JSON.stringify(name)} is repeated in the same file`, w.at(fields.get('name')?.value));
    seen.add(name);

    const intervalMs = this.#duration(fields.get('interval'), `${where}interval`);
    const queryOffsetMs = this.#duration(fields.get('query_offset'), `${where}query_offset`);
    const limit = this.#limit(fields.get('limit'), where);
    const labelList = this.#labels(fields.get('labels'), `${where}labels`, where);
    const labels = makeRecord(labelList.map((l) => [l.name, l.value]));
    const ruleNodes = w.sequence(fields.get('rules')?.value ?? null, `${where}rules`);

    // Group labels join every rule's labels; for alerting rules they are templates too, checked
    // here once (each alerting rule compiles them again under its own name, as Prometheus does).
    if (ruleNodes.some((r) => isMap(r) && (r.has('alert') || r.has('condition')))) {
      for (const l of labelList) this.#template(l.value, `__alert_${name}`, l.node ?? l.key, `${where}label ${JSON.stringify(l.name)}: `);
    }
    const context: RuleContext = { group: name, index: 0, groupLabels: labels };
    const rules = ruleNodes.map((r, i) => this.#rule(r, { ...context, index: i + 1 })).filter((r): r is RuleSpec => r !== undefined);
    return {
      name,
      file: this.#file,
      intervalMs: intervalMs === 0 ? undefined : intervalMs,
      queryOffsetMs,
      limit,
      labels,
      rules,
      position: w.at(map),
    };
  }

  #rule(node: Node, ctx: RuleContext): RuleSpec | undefined {
    const w = this.#walk;
    const map = w.requireMapping(node, `group ${JSON.stringify(ctx.group)}, rule ${ctx.index}: a rule`);
    if (map === undefined) return undefined;
    const shorthand = SHORTHAND_KEYS.some((k) => map.has(k));
    const prometheus = PROMETHEUS_KEYS.some((k) => map.has(k));
    const named = [map.get('alert'), map.get('record'), map.get('name')].find((v) => typeof v === 'string' || typeof v === 'number');
    const where = `group ${JSON.stringify(ctx.group)}, rule ${ctx.index}${named === undefined ? '' : `, ${JSON.stringify(String(named))}`}: `;
    const fields = w.fields(map, shorthand === prometheus ? ANY_RULE_FIELDS : shorthand ? SHORTHAND_FIELDS : RULE_FIELDS, where);
    if (shorthand && prometheus) {
      const first = fields.get(SHORTHAND_KEYS.find((k) => fields.has(k)) as string);
      w.report(`${where}a rule is either Prometheus's (alert or record, expr) or the shorthand (name, condition, level), not both`, w.at(first?.key, map));
      return undefined;
    }
    return shorthand ? this.#shorthandRule(map, fields, ctx, where) : this.#prometheusRule(map, fields, ctx, where);
  }

  #prometheusRule(map: YAMLMap, fields: Map<string, Field>, ctx: RuleContext, where: string): RuleSpec | undefined {
    const w = this.#walk;
    const alert = w.string(fields.get('alert'), `${where}alert`) ?? '';
    const record = w.string(fields.get('record'), `${where}record`) ?? '';
    const before = w.problems.length;
    if (alert !== '' && record !== '') w.report(`${where}only one of 'record' and 'alert' must be set`, w.at(fields.get('record')?.value));
    if (alert === '' && record === '') w.report(`${where}one of 'record' or 'alert' must be set`, w.at(fields.get('record')?.value ?? fields.get('alert')?.value, map));

    const exprField = fields.get('expr');
    const exprText = exprField === undefined ? '' : w.string(exprField, `${where}expr`);
    let expr: CompiledExpr | undefined;
    if (exprText === undefined) expr = undefined;
    else if (exprText.trim() === '') w.report(`${where}field 'expr' must be set in rule`, w.at(exprField?.value ?? exprField?.key, map));
    else expr = this.#expr(exprText, exprField?.value ?? null, where);

    const forMs = this.#duration(fields.get('for'), `${where}for`) ?? 0;
    const keepFiringForMs = this.#duration(fields.get('keep_firing_for'), `${where}keep_firing_for`) ?? 0;
    const labelList = this.#labels(fields.get('labels'), `${where}labels`, where);
    const annotationList = w.stringMap(fields.get('annotations'), `${where}annotations`);
    for (const a of annotationList) {
      if (!isValidLabelName(a.name)) w.report(`${where}invalid annotation name: ${a.name}`, w.at(a.key));
    }
    const position = w.at(map);

    if (record !== '' && alert === '') {
      const recordAt = w.at(fields.get('record')?.value);
      if (annotationList.length > 0) w.report(`${where}invalid field 'annotations' in recording rule`, w.at(fields.get('annotations')?.key));
      if (forMs !== 0) w.report(`${where}invalid field 'for' in recording rule`, w.at(fields.get('for')?.key));
      if (keepFiringForMs !== 0) w.report(`${where}invalid field 'keep_firing_for' in recording rule`, w.at(fields.get('keep_firing_for')?.key));
      if (/[{}]/.test(record)) w.report(`${where}braces present in the recording rule name; should it be in expr?: ${record}`, recordAt);
      else if (!isValidMetricName(record)) w.report(`${where}invalid recording rule name: ${record}`, recordAt);
      if (w.problems.length > before || expr === undefined) return undefined;
      const labels = makeRecord([...Object.entries(ctx.groupLabels), ...labelList.map((l) => [l.name, l.value] as const)]);
      const spec: RecordingRuleSpec = { kind: 'recording', name: record, expr, labels, position };
      return spec;
    }

    const labelTemplates = this.#templates(labelList, alert, `${where}label `, ctx.groupLabels);
    const annotationTemplates = this.#templates(annotationList, alert, `${where}annotation `, {});
    if (w.problems.length > before || expr === undefined) return undefined;
    return alertingSpec(alert, expr, forMs, keepFiringForMs, ctx, labelList, annotationList, labelTemplates, annotationTemplates, position);
  }

  #shorthandRule(map: YAMLMap, fields: Map<string, Field>, ctx: RuleContext, where: string): RuleSpec | undefined {
    const w = this.#walk;
    const name = w.string(fields.get('name'), `${where}name`) ?? '';
    const before = w.problems.length;
    if (name === '') w.report(`${where}field 'name' must be set in a shorthand rule`, w.at(fields.get('name')?.value, map));

    const conditionField = fields.get('condition');
    const condition = conditionField === undefined ? '' : w.string(conditionField, `${where}condition`);
    let expr: CompiledExpr | undefined;
    if (condition === undefined) expr = undefined;
    else if (condition.trim() === '') {
      w.report(`${where}field 'condition' must be set in a shorthand rule`, w.at(conditionField?.value ?? conditionField?.key, map));
    } else {
      const compiled = compileCondition(condition);
      if (!compiled.ok) w.report(`${where}condition: ${compiled.message}`, w.inScalar(conditionField?.value ?? null, { index: compiled.index }));
      else expr = this.#expr(compiled.promql, conditionField?.value ?? null, `${where}condition compiles to PromQL that does not load (${compiled.promql}): `, false);
    }

    const levelField = fields.get('level');
    const level = w.string(levelField, `${where}level`) ?? '';
    const severity = severityOf(level);
    if (level === '') w.report(`${where}field 'level' must be set in a shorthand rule (INFO, WARNING, ERROR or CRITICAL)`, w.at(levelField?.value ?? levelField?.key, map));
    else if (severity === undefined) w.report(`${where}unknown level ${JSON.stringify(level)}: use INFO, WARNING, ERROR or CRITICAL`, w.at(levelField?.value));

    const forMs = this.#duration(fields.get('for'), `${where}for`) ?? 0;
    const keepFiringForMs = this.#duration(fields.get('keep_firing_for'), `${where}keep_firing_for`) ?? 0;
    const labelList = this.#labels(fields.get('labels'), `${where}labels`, where);
    const severityLabel = labelList.find((l) => l.name === 'severity');
    if (severityLabel && severity !== undefined) {
      w.report(`${where}labels.severity conflicts with level ${JSON.stringify(level)}: set one of them`, w.at(severityLabel.key));
    }
    const annotationList = w.stringMap(fields.get('annotations'), `${where}annotations`);
    for (const a of annotationList) {
      if (!isValidLabelName(a.name)) w.report(`${where}invalid annotation name: ${a.name}`, w.at(a.key));
    }
    if (!annotationList.some((a) => a.name === 'summary')) {
      annotationList.push({ name: 'summary', value: `${name}: ${(condition ?? '').trim()} (value {{ $value }})`, key: map, node: null });
    }
    const allLabels = [...labelList, { name: 'severity', value: severity ?? '', key: levelField?.key ?? map, node: null }];
    const labelTemplates = this.#templates(allLabels, name, `${where}label `, ctx.groupLabels);
    const annotationTemplates = this.#templates(annotationList, name, `${where}annotation `, {});
    if (w.problems.length > before || expr === undefined) return undefined;
    const spec = alertingSpec(name, expr, forMs, keepFiringForMs, ctx, allLabels, annotationList, labelTemplates, annotationTemplates, w.at(map));
    return { ...spec, shorthand: { condition: condition ?? '', level } };
  }

  // #expr compiles an expression; a problem inside it is reported at its place in the file.
  #expr(text: string, node: Node | null, where: string, mapInside = true): CompiledExpr | undefined {
    try {
      return this.#compilers.compileExpr(text);
    } catch (err) {
      const place = errorPlace(err);
      if (!isOurs(err) && place === undefined) throw err;
      const message = (err as Error).message;
      const at = mapInside && place ? this.#walk.inScalar(node, place) : this.#walk.at(node);
      this.#walk.report(mapInside ? `${where}could not parse expression: ${message}` : `${where}${message}`, at);
      return undefined;
    }
  }

  #template(text: string, name: string, node: Node, where: string): CompiledTemplate | undefined {
    try {
      return this.#compilers.compileTemplate(text, name);
    } catch (err) {
      const place = errorPlace(err);
      if (!isOurs(err) && place === undefined) throw err;
      const problem = (err as { problem?: unknown }).problem;
      const message = typeof problem === 'string' ? problem : (err as Error).message;
      this.#walk.report(`${where}${message}`, place && isScalar(node) ? this.#walk.inScalar(node, place) : this.#walk.at(node));
      return undefined;
    }
  }

  // #templates compiles a rule's label or annotation templates under the rule's name, after the
  // group's labels it inherits (whose problems the group already reported).
  #templates(
    list: ReadonlyArray<{ name: string; value: string; key: Node; node: Node | null }>,
    rule: string,
    where: string,
    inherited: Labels,
  ): Map<string, CompiledTemplate> {
    const out = new Map<string, CompiledTemplate>();
    const name = `__alert_${rule}`;
    for (const [label, text] of Object.entries(inherited)) {
      if (list.some((item) => item.name === label)) continue;
      try {
        out.set(label, this.#compilers.compileTemplate(text, name));
      } catch {
        // Reported once for the group.
      }
    }
    for (const item of list) {
      const t = this.#template(item.value, name, item.node ?? item.key, `${where}${JSON.stringify(item.name)}: `);
      if (t) out.set(item.name, t);
    }
    return out;
  }

  #duration(field: Field | undefined, what: string): number | undefined {
    const text = this.#walk.string(field, what);
    if (text === undefined || text === '') return undefined;
    const ms = parseDuration(text);
    if (ms === undefined) this.#walk.report(`${what}: not a valid duration: ${JSON.stringify(text)} (like 30s, 5m, 1h30m)`, this.#walk.at(field?.value));
    return ms;
  }

  #limit(field: Field | undefined, where: string): number {
    const node = field?.value ?? null;
    if (node === null || (isScalar(node) && node.value === null)) return 0;
    if (isScalar(node) && typeof node.value === 'number' && Number.isSafeInteger(node.value)) return node.value;
    this.#walk.report(`${where}limit: must be an integer`, this.#walk.at(node));
    return 0;
  }

  #labels(field: Field | undefined, what: string, where: string): Array<{ name: string; value: string; key: Node; node: Node | null }> {
    const list = this.#walk.stringMap(field, what);
    const good: typeof list = [];
    for (const l of list) {
      if (!isValidLabelName(l.name) || l.name === METRIC_NAME_LABEL) this.#walk.report(`${where}invalid label name: ${l.name}`, this.#walk.at(l.key));
      else if (!l.value.isWellFormed()) this.#walk.report(`${where}invalid label value: ${l.value}`, this.#walk.at(l.node, l.key));
      else good.push(l);
    }
    return good;
  }
}

function alertingSpec(
  name: string,
  expr: CompiledExpr,
  forMs: number,
  keepFiringForMs: number,
  ctx: RuleContext,
  labelList: ReadonlyArray<{ name: string; value: string }>,
  annotationList: ReadonlyArray<{ name: string; value: string }>,
  labelTemplates: ReadonlyMap<string, CompiledTemplate>,
  annotationTemplates: ReadonlyMap<string, CompiledTemplate>,
  position: Position,
): AlertingRuleSpec {
  return {
    kind: 'alerting',
    name,
    expr,
    forMs,
    keepFiringForMs,
    labels: makeRecord([...Object.entries(ctx.groupLabels), ...labelList.map((l) => [l.name, l.value] as const)]),
    annotations: makeRecord(annotationList.map((a) => [a.name, a.value] as const)),
    labelTemplates,
    annotationTemplates,
    position,
  };
}

// isOurs tells a deliberate error (a PromQLError, a TemplateError) from a bug in a compiler,
// which must surface as one rather than as a problem with the user's file.
function isOurs(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('RUNWARDEN_ERR_');
}
