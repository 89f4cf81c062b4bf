/**
 * readAlertingSection turns an `alerting:` mapping (inline in the Runwarden config, or a whole
 * Alertmanager-format file, or both through `config_file`) into an AlertingConfig, collecting
 * every problem. Checks that need the whole picture (receivers and time intervals that routes and
 * escalations name, templates against the template files) run after everything is read.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join as joinPath, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import { ConfigError } from '../../errors.ts';
import type { Position } from '../../errors.ts';
import { checkNotificationTemplate } from '../../notifiers/template.ts';
import { ALERTMANAGER_FUNCS } from '../../notifiers/template-funcs.ts';
import type { AlertingConfig, InhibitRule, TimeInterval } from '../../pipeline/types.ts';
import { parseTemplate } from '../../rules/template/parse.ts';
import { goGlob } from '../../rules/unittest/glob.ts';
import { YamlWalk } from '../../rules/yaml-walk.ts';
import type { Field } from '../../rules/yaml-walk.ts';
import { DEFAULT_DELIVERY, readDelivery, readEscalations } from './additions.ts';
import { readLabelNames, readMatchers } from './read-matchers.ts';
import { Reader } from './reader.ts';
import type { Fields } from './reader.ts';
import type { Globals, ReceiverContext } from './receivers.ts';
import { DEFAULT_PAGERDUTY_URL, checkUrl, plainUrl, readHttpConfig, readReceivers } from './receivers.ts';
import type { Reference } from './route.ts';
import { checkRoot, readRoute, resolveRoute } from './route.ts';
import { fsReason, readSecret } from './secrets.ts';
import type { SecretSources } from './secrets.ts';
import { readTimeIntervals } from './time-intervals.ts';

/** AlertingOptions are what parsing needs from outside. */
export interface AlertingOptions {
  /** Where `${VAR}` secrets are read from. */
  env: NodeJS.ProcessEnv;
  /** Reads `*_file` secrets, `templates:` files and `config_file`; default `fs.readFileSync`. */
  readFile?: (path: string) => string;
  /** Directory relative paths are resolved against; default the directory of the file. */
  baseDir?: string;
}

/** ALERTMANAGER_KEYS are the top-level keys of Alertmanager's own configuration file. */
export const ALERTMANAGER_KEYS = ['global', 'route', 'receivers', 'inhibit_rules', 'time_intervals', 'mute_time_intervals', 'templates'] as const;
const RUNWARDEN_KEYS = ['escalations', 'trace_url', 'delivery'] as const;
const DEFAULT_RESOLVE_TIMEOUT_MS = 300_000;

/** parseYaml parses one YAML file into a Reader over its top node, or reports its syntax errors. */
export function parseYaml(text: string, file: string, baseDir: string): { reader: Reader; top: Node | null } | ConfigError[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const walk = new YamlWalk(file, text, lines, doc);
  if (doc.errors.length > 0) return doc.errors.map((e) => new ConfigError(`invalid YAML: ${e.message.split('\n')[0]}`, walk.position(e.pos[0])));
  return { reader: new Reader(walk, file, baseDir), top: walk.deref(doc.contents) };
}

/**
 * readAlertingSection reads `node` with `reader`; `inline` says it sits under `alerting:` in a
 * Runwarden config (where `config_file` may name an Alertmanager-format file). Returns the config,
 * or the problems (never both).
 */
export function readAlertingSection(reader: Reader, node: Node | null, inline: boolean, options: AlertingOptions): { config?: AlertingConfig; problems: ConfigError[] } {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const sources: SecretSources = { env: options.env, readFile };
  const readers = [reader];
  const extra: ConfigError[] = [];
  const keys = [...ALERTMANAGER_KEYS, ...RUNWARDEN_KEYS];
  const own = reader.fields(node, inline ? 'alerting' : '', inline ? [...keys, 'config_file'] : keys) ?? new Map<string, Field>();
  // Each key is read from the file it is written in.
  const at = new Map<string, { r: Reader; field: Field }>();
  for (const [name, field] of own) if (name !== 'config_file') at.set(name, { r: reader, field });

  const configFile = own.get('config_file');
  if (configFile) {
    const path = reader.walk.string(configFile, 'alerting.config_file');
    if (path === '') reader.report('alerting.config_file: must not be empty', reader.atField(configFile));
    if (path) {
      const full = resolve(reader.baseDir, path);
      // Messages name the file as a path from where the user named the config file.
      const shown = isAbsolute(path) ? path : joinPath(dirname(reader.file), path);
      let text: string | undefined;
      try {
        text = readFile(full);
      } catch (err) {
        reader.report(`alerting.config_file: cannot read ${JSON.stringify(path)}: ${fsReason(err)}`, reader.atField(configFile));
      }
      const parsed = text === undefined ? undefined : parseYaml(text, shown, dirname(full));
      if (Array.isArray(parsed)) extra.push(...parsed);
      else if (parsed) {
        readers.push(parsed.reader);
        for (const [name, field] of parsed.reader.fields(parsed.top, '', keys) ?? []) {
          const mine = at.get(name);
          if (mine) {
            const where = (ALERTMANAGER_KEYS as readonly string[]).includes(name) ? `belongs in ${shown} (alerting.config_file)` : `is set in ${shown} too`;
            reader.report(`alerting.${name}: ${where}`, reader.at(mine.field.key));
          }
          at.set(name, { r: parsed.reader, field });
        }
      }
    }
  }

  // A config_file that could not be read has said so: its route is not missing.
  if (configFile && readers.length === 1) return { problems: [...extra, ...reader.walk.problems] };
  const config = build(reader, at, sources, reader.at(node));
  const problems = [...extra, ...readers.flatMap((r) => r.walk.problems)];
  return problems.length > 0 || config === undefined ? { problems } : { config, problems };
}

function build(main: Reader, at: Map<string, { r: Reader; field: Field }>, sources: SecretSources, sectionAt: Position): AlertingConfig | undefined {
  const get = (name: string): { r: Reader; node: Node | null; field: Field } | undefined => {
    const e = at.get(name);
    return e && { r: e.r, node: e.field.value, field: e.field };
  };
  // The Alertmanager part lives in one file: `global`'s reader resolves globals' relative paths.
  const global = get('global');
  const g = readGlobal(global?.r ?? main, global?.node ?? null, sources);
  const intervals = new Map<string, TimeInterval[]>();
  for (const key of ['mute_time_intervals', 'time_intervals']) {
    const e = get(key);
    if (e) readTimeIntervals(e.r, e.node, key, intervals);
  }
  const ctx: ReceiverContext = { globals: g.globals, sources, templates: [] };
  const rec = get('receivers');
  const receivers = rec ? readReceivers(rec.r, rec.node, ctx) : new Map();
  const refs = { receivers: [] as Reference[], intervals: [] as Reference[] };
  const routeAt = get('route');
  const raw = routeAt ? readRoute(routeAt.r, routeAt.node, 'route', refs) : undefined;
  if (raw) checkRoot(routeAt!.r, raw);
  else if (!routeAt) main.report('no routes provided: the alerting section needs a route', sectionAt);
  const inhibit = get('inhibit_rules');
  const inhibitRules = inhibit ? readInhibitRules(inhibit.r, inhibit.node) : [];
  const esc = get('escalations');
  const escalations = esc ? readEscalations(esc.r, esc.node, refs.receivers) : [];
  const del = get('delivery');
  const delivery = del ? readDelivery(del.r, del.node) : { ...DEFAULT_DELIVERY };

  for (const ref of refs.receivers) {
    if (!receivers.has(ref.name)) main.report(`${ref.what}: undefined receiver ${JSON.stringify(ref.name)} used`, ref.where);
  }
  for (const ref of refs.intervals) {
    if (!intervals.has(ref.name)) main.report(`${ref.what}: undefined time interval ${JSON.stringify(ref.name)} used in route`, ref.where);
  }

  const tpl = get('templates');
  const templateSources = tpl ? readTemplateFiles(tpl.r, tpl.field, sources) : [];
  checkTemplates(main, tpl, templateSources, ctx);
  const trace = get('trace_url');
  const traceUrl = trace ? readTraceUrl(trace.r, trace.field) : undefined;

  if (raw === undefined) return undefined;
  const config: AlertingConfig = {
    route: resolveRoute(raw, undefined, 0),
    receivers,
    inhibitRules,
    timeIntervals: intervals,
    escalations,
    resolveTimeoutMs: g.resolveTimeoutMs,
    templateSources,
    delivery,
  };
  if (traceUrl !== undefined) config.traceUrlTemplate = traceUrl;
  return config;
}

const GLOBAL_FIELDS = ['resolve_timeout', 'slack_api_url', 'slack_api_url_file', 'pagerduty_url', 'http_config'];
const GLOBAL_UNSUPPORTED = [
  'smtp_from', 'smtp_hello', 'smtp_smarthost', 'smtp_auth_username', 'smtp_auth_password', 'smtp_auth_password_file',
  'smtp_auth_secret', 'smtp_auth_secret_file', 'smtp_auth_identity', 'smtp_require_tls', 'smtp_tls_config',
  'slack_app_token', 'slack_app_token_file', 'slack_app_url', 'opsgenie_api_url', 'opsgenie_api_key',
  'opsgenie_api_key_file', 'wechat_api_url', 'wechat_api_secret', 'wechat_api_corp_id', 'victorops_api_url',
  'victorops_api_key', 'victorops_api_key_file', 'telegram_api_url', 'webex_api_url', 'rocketchat_api_url',
  'rocketchat_token', 'rocketchat_token_file', 'rocketchat_token_id', 'rocketchat_token_id_file',
  'jira_api_url', 'mattermost_webhook_url', 'mattermost_webhook_url_file',
];

function readGlobal(r: Reader, node: Node | null, sources: SecretSources): { globals: Globals; resolveTimeoutMs: number } {
  const f = r.fields(node, 'global', GLOBAL_FIELDS, GLOBAL_UNSUPPORTED);
  const globals: Globals = { pagerdutyUrl: plainUrl(r, f, 'pagerduty_url', 'global') ?? DEFAULT_PAGERDUTY_URL };
  const slack = readSecret(r, f, 'slack_api_url', 'slack_api_url_file', 'global', sources);
  if (slack && checkUrl(r, slack, 'global')) globals.slackApiUrl = slack;
  else if (f?.has('slack_api_url') || f?.has('slack_api_url_file')) globals.slackApiUrlBroken = true;
  const http = f?.get('http_config');
  if (http) globals.http = readHttpConfig(r, http.value, 'global.http_config', sources);
  return { globals, resolveTimeoutMs: r.duration(f, 'resolve_timeout', 'global', false) ?? DEFAULT_RESOLVE_TIMEOUT_MS };
}

function readInhibitRules(r: Reader, node: Node | null): InhibitRule[] {
  return r.walk.sequence(node, 'inhibit_rules').flatMap((item, i) => {
    const what = `inhibit_rules[${i}]`;
    const f = r.fields(item, what, ['source_matchers', 'source_match', 'source_match_re', 'target_matchers', 'target_match', 'target_match_re', 'equal']);
    if (f === undefined) return [];
    const source = readMatchers(r, f, what, { matchers: 'source_matchers', match: 'source_match', matchRe: 'source_match_re' });
    const target = readMatchers(r, f, what, { matchers: 'target_matchers', match: 'target_match', matchRe: 'target_match_re' });
    const equal = readLabelNames(r, f, 'equal', what) ?? [];
    return [{ sourceMatchers: source.matchers, targetMatchers: target.matchers, equal: equal.map((e) => e.value) }];
  });
}

// readTemplateFiles expands `templates:` globs relative to the file they are written in, as
// Alertmanager does (a glob that matches nothing is not an error there either).
function readTemplateFiles(r: Reader, field: Field, sources: SecretSources): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const { value, node } of r.strings(new Map([['templates', field]]), 'templates', '') ?? []) {
    const pattern = isAbsolute(value) ? value : joinPath(r.baseDir, value);
    let files: string[];
    try {
      files = goGlob(pattern);
    } catch {
      r.report(`templates: bad glob ${JSON.stringify(value)}`, r.at(node));
      continue;
    }
    for (const file of files) {
      try {
        out.push({ file, text: sources.readFile(file) });
      } catch (err) {
        r.report(`templates: cannot read ${JSON.stringify(file)}: ${fsReason(err)}`, r.at(node));
      }
    }
  }
  return out;
}

// checkTemplates refuses bad templates at load: first the template files (every field depends on
// them), then each templated field the user set.
function checkTemplates(main: Reader, tpl: { r: Reader; field: Field } | undefined, definitions: { file: string; text: string }[], ctx: ReceiverContext): void {
  if (definitions.length > 0) {
    const problem = checkNotificationTemplate('', definitions, 'templates');
    if (problem !== undefined) {
      main.report(`templates: ${problem}`, tpl!.r.atField(tpl!.field));
      return;
    }
  }
  for (const t of ctx.templates) {
    const short = t.what.slice(t.what.lastIndexOf('.') + 1);
    const problem = checkNotificationTemplate(t.text, definitions, short);
    if (problem !== undefined) main.report(`${t.what}: bad template: ${problem}`, t.where);
  }
}

// readTraceUrl checks the trace link template's syntax; its data (.RunID, .TraceID) is not a
// notification's, so it is parsed, not dry-run.
function readTraceUrl(r: Reader, field: Field): string | undefined {
  const fields: Fields = new Map([['trace_url', field]]);
  const text = r.nonEmpty(fields, 'trace_url', '');
  if (text === undefined) return undefined;
  try {
    parseTemplate(text, 'trace_url', (fn) => ALERTMANAGER_FUNCS.has(fn));
  } catch (err) {
    r.report(`trace_url: bad template: ${(err as Error).message}`, r.atField(field));
    return undefined;
  }
  return text;
}
