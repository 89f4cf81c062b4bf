/**
 * compileTemplate: a Prometheus rule template (a label or annotation value), parsed once at load
 * and rendered per alert. Prometheus prepends
 * `{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}`
 * to every rule template and executes it with Go's text/template (option missingkey=zero) over
 * `{Labels, ExternalLabels, ExternalURL, Value}`; so does this.
 */
import type { CompiledTemplate, TemplateData, TextPosition } from '../types.ts';
import { BUILTINS } from './builtins.ts';
import { expansionFailure, TemplateError } from './errors.ts';
import { ExecError, execute, type Environment } from './exec.ts';
import type { GoFunc, TemplateQueryFunc } from './func.ts';
import { nodeString } from './nodes.ts';
import { ParseError, parseTemplate, type Tree } from './parse.ts';
import { PROMETHEUS_FUNCS } from './prometheus-funcs.ts';
import { quote } from './strconv.ts';
import { ALERT_DATA, float, str, stringMap, utf8Len, type GoValue } from './values.ts';

/** ALERT_PREAMBLE is what Prometheus puts before every alerting-rule template (rules/alerting.go). */
export const ALERT_PREAMBLE = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

const FUNCS: ReadonlyMap<string, GoFunc> = new Map([...BUILTINS, ...PROMETHEUS_FUNCS]);

/** CompileTemplateOptions adjusts compileTemplate. */
export interface CompileTemplateOptions {
  /** Runs `query "expr"` for the template; without it `query` fails when executed. */
  query?: TemplateQueryFunc;
  /** Prepend Prometheus's alert preamble (default true). */
  preamble?: boolean;
}

/** RenderEnv is per-render context that TemplateData does not carry. */
export interface RenderEnv {
  /** Overrides the compile-time query function (e.g. one bound to this evaluation's time). */
  query?: TemplateQueryFunc;
  /** The evaluation time, epoch ms, for `now`. */
  nowMs?: number;
}

/** PrometheusTemplate is a CompiledTemplate whose render also takes a RenderEnv. */
export interface PrometheusTemplate extends CompiledTemplate {
  readonly name: string;
  /** render expands the template; throws TemplateError (phase 'execute') when execution fails. */
  render(data: TemplateData, env?: RenderEnv): string;
}

/** Where positions in the full text (preamble included) fall. */
class TextMap {
  readonly full: string;
  readonly offset: number;
  constructor(full: string, offset: number) {
    this.full = full;
    this.offset = offset;
  }

  /** userPosition is the 1-based line and column in the template as written. */
  userPosition(pos: number): TextPosition {
    const p = Math.max(0, pos - this.offset);
    const user = this.full.slice(this.offset, this.offset + p);
    const nl = user.lastIndexOf('\n');
    let line = 1;
    for (let i = user.indexOf('\n'); i >= 0; i = user.indexOf('\n', i + 1)) line++;
    return { line, col: p - (nl + 1) + 1 };
  }

  /** goLocation is Go's ErrorContext location: `NAME:LINE:BYTECOL` over the full text. */
  goLocation(name: string, pos: number): string {
    const before = this.full.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    let line = 1;
    for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
    return `${name}:${line}:${utf8Len(before.slice(nl + 1))}`;
  }
}

function execError(e: ExecError, name: string, text: TextMap): TemplateError {
  if (e.node === null) {
    return new TemplateError({ templateName: name, phase: 'execute', position: undefined, problem: e.problem, goMessage: `template: ${e.templateName}: ${e.problem}` });
  }
  const context = nodeString(e.node);
  const goMessage = `template: ${text.goLocation(name, e.node.pos)}: executing ${quote(e.templateName)} at <${context}>: ${e.problem}`;
  return new TemplateError({ templateName: name, phase: 'execute', position: text.userPosition(e.node.pos), problem: e.problem, context, goMessage });
}

/** tooDeep reports a template nested beyond what the JavaScript stack holds (Go's stacks grow; ours do not). */
function tooDeep(name: string, phase: 'parse' | 'execute'): TemplateError {
  const problem = 'template nested too deeply';
  return new TemplateError({ templateName: name, phase, position: undefined, problem, goMessage: `template: ${name}: ${problem}` });
}

/**
 * Go maps of label records, per record object. Label sets are read-only by contract and a
 * template cannot change a map, so one Go map serves every render of the same labels: an alert's
 * annotations are rendered at every evaluation, from the same label object, and the external
 * labels are the same for every alert of a rule.
 */
const goMaps = new WeakMap<Readonly<Record<string, string>>, GoValue>();

function goStringMap(rec: Readonly<Record<string, string>>): GoValue {
  let m = goMaps.get(rec);
  if (m === undefined) {
    m = stringMap(rec);
    goMaps.set(rec, m);
  }
  return m;
}

/** alertData is Prometheus's AlertTemplateData as a Go value. */
function alertData(data: TemplateData): GoValue {
  const fields = new Map<string, GoValue>([
    ['Labels', goStringMap(data.labels)],
    ['ExternalLabels', goStringMap(data.externalLabels)],
    ['ExternalURL', str(data.externalURL)],
    ['Value', float(data.value)],
  ]);
  return { k: 'struct', t: ALERT_DATA, v: fields };
}

/**
 * compileTemplate parses a rule template the way Prometheus does (preamble included, functions
 * checked at parse time). `name` is the template's name in messages; Prometheus uses
 * `__alert_` + the alert name. Throws TemplateError (phase 'parse').
 */
export function compileTemplate(text: string, name: string, options: CompileTemplateOptions = {}): PrometheusTemplate {
  const preamble = options.preamble === false ? '' : ALERT_PREAMBLE;
  const map = new TextMap(preamble + text, preamble.length);
  let trees: Map<string, Tree>;
  try {
    trees = parseTemplate(map.full, name, (fn) => FUNCS.has(fn));
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(name, 'parse');
    if (!(e instanceof ParseError)) throw e;
    throw new TemplateError({
      templateName: name,
      phase: 'parse',
      position: map.userPosition(e.pos),
      problem: e.problem,
      goMessage: `template: ${name}:${e.line}: ${e.problem}`,
    });
  }
  return {
    text,
    name,
    render(data: TemplateData, env: RenderEnv = {}): string {
      const environment: Environment = {
        funcs: FUNCS,
        trees,
        context: { query: env.query ?? options.query, nowMs: env.nowMs, externalURL: data.externalURL },
        formatError: (e) => execError(e, name, map).goMessage,
      };
      try {
        return execute(environment, name, alertData(data));
      } catch (e) {
        if (e instanceof ExecError) throw execError(e, name, map);
        if (e instanceof RangeError) throw tooDeep(name, 'execute');
        throw e;
      }
    },
  };
}

/**
 * expandAlertTemplate renders like Prometheus's rule evaluation: an execution error does not
 * throw but becomes the text Prometheus puts in the label or annotation (expansionFailure, which
 * the alerting rule writes too), `<error expanding template: error executing template NAME: …>`.
 */
export function expandAlertTemplate(template: PrometheusTemplate, data: TemplateData, env?: RenderEnv): string {
  try {
    return template.render(data, env);
  } catch (e) {
    return expansionFailure(e);
  }
}
