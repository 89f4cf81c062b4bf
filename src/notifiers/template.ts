/**
 * Notification templates: Alertmanager's template language (Go text/template with
 * `missingkey=zero`, Alertmanager's functions and data, its default named templates) for titles,
 * texts and the other templated fields of receivers. Templates are checked at load
 * (`checkNotificationTemplate`); a template that still fails when sending falls back to a plain
 * text of the alerts with the error (`renderNotificationTemplate`), so a broken template never
 * loses a page.
 */
import type { NotificationData } from '../pipeline/types.ts';
import { ExecError, execute } from '../rules/template/exec.ts';
import { nodeString, type ListNode, type Node } from '../rules/template/nodes.ts';
import { ParseError, parseTemplate, type Tree } from '../rules/template/parse.ts';
import type { GoValue } from '../rules/template/values.ts';
import { DEFAULT_TEMPLATES, DEFAULT_TEMPLATES_FILE } from './default-templates.ts';
import { ALERTMANAGER_FUNCS } from './template-funcs.ts';
import { notificationDataValue, sortedPairs } from './template-data.ts';

/** TemplateDefinition is one template file (`templates:`): its name for messages and its text. */
export interface TemplateDefinition {
  file: string;
  text: string;
}

/** RenderedTemplate is a render's outcome: the text, or the plain fallback text with the error. */
export type RenderedTemplate = { ok: true; text: string } | { ok: false; text: string; error: string };

/** NotificationTemplateOptions adjusts a render. */
export interface NotificationTemplateOptions {
  /** The field being rendered, for messages (`title`, `text`); default `template`. */
  name?: string;
  /** The time for `now` and `since`, epoch ms; default the wall clock. */
  nowMs?: number;
}

/** A parsed tree and the source it came from (for line:col in messages). */
interface Entry {
  tree: Tree;
  source: string;
  text: string;
}

/** A parse that failed: the one-line problem (`file:line:col: problem`). */
class TemplateSetError extends Error {}

const hasFunction = (fn: string): boolean => ALERTMANAGER_FUNCS.has(fn);

function lineCol(text: string, pos: number): string {
  const before = text.slice(0, Math.max(0, pos));
  const nl = before.lastIndexOf('\n');
  const line = before.split('\n').length;
  return `${line}:${before.length - nl}`;
}

function isEmptyList(list: ListNode): boolean {
  return list.nodes.every((n) => n.type === 'text' && n.text.trim() === '');
}

/**
 * addTrees parses one source into `set`, as Go's Template.Parse into an existing set: a later
 * definition replaces an earlier one unless it is empty (`{{ define "x" }}{{ end }}` keeps the old).
 */
function addTrees(set: Map<string, Entry>, source: string, text: string): void {
  let trees: Map<string, Tree>;
  try {
    trees = parseTemplate(text, source, hasFunction);
  } catch (e) {
    if (e instanceof ParseError) throw new TemplateSetError(`${source}:${lineCol(text, e.pos)}: ${e.problem}`);
    if (e instanceof RangeError) throw new TemplateSetError(`${source}: template nested too deeply`);
    throw e;
  }
  for (const [name, tree] of trees) {
    const existing = set.get(name);
    if (existing !== undefined && isEmptyList(tree.root) && name !== source) continue;
    set.set(name, { tree, source, text });
  }
}

let defaults: ReadonlyMap<string, Entry> | undefined;

function defaultSet(): ReadonlyMap<string, Entry> {
  if (defaults === undefined) {
    const set = new Map<string, Entry>();
    addTrees(set, DEFAULT_TEMPLATES_FILE, DEFAULT_TEMPLATES);
    defaults = set;
  }
  return defaults;
}

// Definitions come from the loaded config and stay the same object until a reload.
const definitionSets = new WeakMap<readonly TemplateDefinition[], ReadonlyMap<string, Entry> | TemplateSetError>();

function definitionSet(definitions: readonly TemplateDefinition[]): ReadonlyMap<string, Entry> {
  let hit = definitionSets.get(definitions);
  if (hit === undefined) {
    try {
      const set = new Map(defaultSet());
      for (const d of definitions) addTrees(set, d.file, d.text);
      hit = set;
    } catch (e) {
      if (!(e instanceof TemplateSetError)) throw e;
      hit = e;
    }
    definitionSets.set(definitions, hit);
  }
  if (hit instanceof TemplateSetError) throw hit;
  return hit;
}

// Compiled templates per definitions and (name, text): receivers render the same few templates for every notification.
const compiled = new WeakMap<readonly TemplateDefinition[], Map<string, ReadonlyMap<string, Entry> | TemplateSetError>>();
const COMPILED_MAX = 512;

function compile(text: string, name: string, definitions: readonly TemplateDefinition[]): ReadonlyMap<string, Entry> {
  let cache = compiled.get(definitions);
  if (cache === undefined) {
    cache = new Map();
    compiled.set(definitions, cache);
  }
  const key = `${name}\u0000${text}`;
  let hit = cache.get(key);
  if (hit === undefined) {
    try {
      const set = new Map(definitionSet(definitions));
      addTrees(set, name, text);
      hit = set;
    } catch (e) {
      if (!(e instanceof TemplateSetError)) throw e;
      hit = e;
    }
    if (cache.size >= COMPILED_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(key, hit);
  }
  if (hit instanceof TemplateSetError) throw hit;
  return hit;
}

/** referencedTemplates lists `{{ template "x" }}` calls in a tree with where they are. */
function* referencedTemplates(node: Node | null): Generator<{ name: string; pos: number }> {
  if (node === null) return;
  switch (node.type) {
    case 'list':
      for (const n of node.nodes) yield* referencedTemplates(n);
      return;
    case 'if':
    case 'range':
    case 'with':
      yield* referencedTemplates(node.list);
      yield* referencedTemplates(node.elseList);
      return;
    case 'template':
      yield { name: node.name, pos: node.pos };
      return;
    default:
      return;
  }
}

function execMessage(e: ExecError, set: ReadonlyMap<string, Entry>): string {
  const entry = set.get(e.templateName);
  const context = e.node === null ? '' : `executing at <${nodeString(e.node)}>: `;
  const where = entry !== undefined && e.node !== null ? `${entry.source}:${lineCol(entry.text, e.node.pos)}` : entry?.source ?? e.templateName;
  const inner = entry !== undefined && entry.source !== e.templateName ? ` (in template "${e.templateName}")` : '';
  return `${where}${inner}: ${context}${e.problem}`;
}

const treeMaps = new WeakMap<ReadonlyMap<string, Entry>, ReadonlyMap<string, Tree>>();

function treesOf(set: ReadonlyMap<string, Entry>): ReadonlyMap<string, Tree> {
  let trees = treeMaps.get(set);
  if (trees === undefined) {
    const m = new Map<string, Tree>();
    for (const [n, entry] of set) m.set(n, entry.tree);
    trees = m;
    treeMaps.set(set, trees);
  }
  return trees;
}

// A notification renders several fields over the same data; build its Go value once. Data is not mutated after enqueue.
const dataValues = new WeakMap<NotificationData, GoValue>();

function dataValue(data: NotificationData): GoValue {
  let v = dataValues.get(data);
  if (v === undefined) {
    v = notificationDataValue(data);
    dataValues.set(data, v);
  }
  return v;
}

function run(set: ReadonlyMap<string, Entry>, name: string, data: NotificationData, nowMs: number | undefined): string {
  const trees = treesOf(set);
  return execute(
    {
      funcs: ALERTMANAGER_FUNCS,
      trees,
      context: { query: undefined, nowMs, externalURL: data.externalURL },
      formatError: (e) => execMessage(e, set),
    },
    name,
    dataValue(data),
  );
}

/** A group of two alerts that touches every field, for the dry run at load. */
const SAMPLE_DATA: NotificationData = {
  receiver: 'sample',
  status: 'firing',
  alerts: [
    { status: 'firing', labels: { alertname: 'Sample', severity: 'page' }, annotations: { summary: 's' }, startsAt: 1, endsAt: 0, generatorURL: 'http://x/', fingerprint: '0000000000000001', traceURL: 'http://t/', timeline: ['init ok 1s'] },
    { status: 'resolved', labels: { alertname: 'Sample', severity: 'info' }, annotations: {}, startsAt: 1, endsAt: 2, generatorURL: 'http://x/', fingerprint: '0000000000000002' },
  ],
  groupLabels: { alertname: 'Sample' },
  commonLabels: { alertname: 'Sample' },
  commonAnnotations: {},
  externalURL: 'http://runwarden',
  groupKey: '{}:{alertname="Sample"}',
  truncatedAlerts: 0,
};

/**
 * checkNotificationTemplate refuses a template at load: it must parse with the definitions (which
 * must parse too), call only known functions, name only defined templates, and name only fields
 * the data has (checked by a dry run over sample alerts). Returns a one-line problem
 * (`title:1:12: function "foo" not defined`) or undefined when the template is fine.
 */
export function checkNotificationTemplate(text: string, definitions: readonly TemplateDefinition[], name = 'template'): string | undefined {
  let set: ReadonlyMap<string, Entry>;
  try {
    set = compile(text, name, definitions);
  } catch (e) {
    if (e instanceof TemplateSetError) return e.message;
    throw e;
  }
  for (const [, entry] of set) {
    for (const ref of referencedTemplates(entry.tree.root)) {
      if (!set.has(ref.name)) return `${entry.source}:${lineCol(entry.text, ref.pos)}: no such template "${ref.name}"`;
    }
  }
  try {
    run(set, name, SAMPLE_DATA, 0);
  } catch (e) {
    // Only mistakes in the template's shape; data-dependent failures (a bad index) may not happen for real alerts.
    if (e instanceof ExecError && /can't evaluate field|wrong number of args|wrong type for value/.test(e.problem)) return execMessage(e, set);
  }
  return undefined;
}

/**
 * renderNotificationTemplate renders a template for a notification, as Alertmanager's
 * `ExecuteTextString` (an empty template renders empty). If it fails, the result carries a plain
 * text of the alerts followed by the error instead, so the notification still says what fires.
 */
export function renderNotificationTemplate(
  text: string,
  data: NotificationData,
  definitions: readonly TemplateDefinition[],
  options: NotificationTemplateOptions = {},
): RenderedTemplate {
  if (text === '') return { ok: true, text: '' };
  const name = options.name ?? 'template';
  let error: string;
  try {
    const set = compile(text, name, definitions);
    try {
      return { ok: true, text: run(set, name, data, options.nowMs) };
    } catch (e) {
      if (e instanceof ExecError) error = execMessage(e, set);
      else if (e instanceof RangeError) error = `${name}: template nested too deeply`;
      else throw e;
    }
  } catch (e) {
    if (!(e instanceof TemplateSetError)) throw e;
    error = e.message;
  }
  return { ok: false, text: fallbackText(data, error), error };
}

/**
 * fallbackText is the plain text sent when a template fails: the subject line, one line per alert
 * with its labels, its summary and trace link, then the error.
 */
export function fallbackText(data: NotificationData, error: string): string {
  const firing = data.alerts.filter((a) => a.status === 'firing').length;
  const group = sortedPairs(new Map(Object.entries(data.groupLabels))).map((p) => p.value);
  const lines = [`[${data.status.toUpperCase()}${data.status === 'firing' ? `:${firing}` : ''}] ${group.join(' ')}`.trimEnd()];
  for (const alert of data.alerts) {
    const labels = sortedPairs(new Map(Object.entries(alert.labels))).map((p) => `${p.name}=${p.value}`);
    lines.push(`- ${alert.status}: ${labels.join(', ')}`);
    if (alert.annotations.summary) lines.push(`  summary: ${alert.annotations.summary}`);
    if (alert.traceURL) lines.push(`  trace: ${alert.traceURL}`);
  }
  lines.push(`(the notification template failed: ${error})`);
  return lines.join('\n');
}
