/**
 * `runwarden silence`: silences from the command line, like `amtool silence`. `add` posts a
 * silence made of matchers (`alertname=RunFailed severity=~"warn.*"`; a bare first word is the
 * alertname) for `--duration` or until `--end`; `list` shows them (active and pending, or
 * `--expired`) as a table; `expire ID...` ends them now. Parsing and formatting are pure.
 */
import { userInfo } from 'node:os';
import { parseDuration } from '../config/duration.ts';
import { parseMatcher } from '../config/alerting/matchers.ts';
import type { SilenceMatcher } from '../pipeline/silences.ts';
import type { GettableSilence } from '../pipeline/silences-routes.ts';
import { parseFlags, UsageError } from './args.ts';
import { formatTime, painter, table, useColour } from './format.ts';
import type { Paint } from './format.ts';
import { defaultCommandDeps, eachId } from './query.ts';
import type { CommandDeps } from './query.ts';

/** SilenceDeps are CommandDeps plus stderr and the clock (a silence starts now). */
export interface SilenceDeps extends CommandDeps {
  stderr: { write(text: string): unknown };
  now: () => number;
}

/** SILENCE_USAGE is the text of `runwarden silence --help`. */
export const SILENCE_USAGE = `Usage: runwarden silence add MATCHER... --comment TEXT [--duration D | --end TIME] [--start TIME] [--author NAME]
       runwarden silence list [MATCHER...] [--expired] [--json]
       runwarden silence expire ID...

Mutes alerts whose labels match every matcher, as amtool does.

Commands:
  add MATCHER...   create a silence; prints its id. Matchers: name=value, name!=value,
                   name=~regex, name!~regex (quote values with spaces: name="a b");
                   a first word without an operator is the alertname
  list [MATCHER...]  active and pending silences (expired ones with --expired),
                   only those whose equality matchers satisfy the given matchers
  expire ID...     end these silences now

Options:
  --duration D     how long the silence lasts from its start (default 1h): 30m, 2h, 1d
  --end TIME       when it ends instead (RFC 3339)
  --start TIME     when it starts (RFC 3339; default now)
  --comment TEXT   why (required for add)
  --author NAME    who (default $USER)
  --expired        list expired silences instead of active and pending ones
  --json           print the sidecar's JSON answer as it came
  -h, --help       show this help
`;

const FLAGS = {
  duration: { type: 'string' },
  end: { type: 'string' },
  start: { type: 'string' },
  comment: { type: 'string', short: 'c' },
  author: { type: 'string', short: 'a' },
  expired: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** toSilenceMatchers reads matcher words as `amtool silence add` does; throws UsageError naming the bad one. */
export function toSilenceMatchers(words: readonly string[], bareIsAlertname: boolean): SilenceMatcher[] {
  return words.map((word, i) => {
    const text = i === 0 && bareIsAlertname && !/[=~!]/.test(word) ? `alertname=${word}` : word;
    try {
      const m = parseMatcher(text);
      return { name: m.name, value: m.value, isRegex: m.type === '=~' || m.type === '!~', isEqual: m.type === '=' || m.type === '=~' };
    } catch (err) {
      throw new UsageError((err as Error).message, 'silence');
    }
  });
}

/** formatSilenceMatchers writes API matchers back as text: `alertname="A", severity=~"warn.*"`. */
export function formatSilenceMatchers(matchers: readonly SilenceMatcher[]): string {
  return matchers.map((m) => `${m.name}${m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!='}${JSON.stringify(m.value)}`).join(', ');
}

function parseTimeFlag(flag: string, text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`--${flag} must be an RFC 3339 time like 2026-01-02T15:04:05Z, not ${JSON.stringify(text)}`, 'silence');
  return ms;
}

/** AddFlags are the flags of `silence add`. */
export interface AddFlags {
  duration?: string;
  end?: string;
  start?: string;
  comment?: string;
  author?: string;
}

/** silenceBody builds the `POST /v1/silences` body for `add`, or throws UsageError. */
export function silenceBody(words: readonly string[], flags: AddFlags, now: number, defaultAuthor: string): Record<string, unknown> {
  if (words.length === 0) throw new UsageError('add needs at least one matcher (alertname=NAME)', 'silence');
  const matchers = toSilenceMatchers(words, true);
  if (flags.comment === undefined || flags.comment.trim() === '') throw new UsageError('add needs --comment saying why', 'silence');
  if (flags.duration !== undefined && flags.end !== undefined) throw new UsageError('give --duration or --end, not both', 'silence');
  const startsAt = flags.start === undefined ? now : parseTimeFlag('start', flags.start);
  let endsAt: number;
  if (flags.end !== undefined) endsAt = parseTimeFlag('end', flags.end);
  else {
    const ms = parseDuration(flags.duration ?? '1h');
    if (ms === undefined || ms <= 0) throw new UsageError(`--duration must be a positive duration like 30m, 2h or 1d, not ${JSON.stringify(flags.duration)}`, 'silence');
    endsAt = startsAt + ms;
  }
  const author = flags.author ?? defaultAuthor;
  if (author.trim() === '') throw new UsageError('add needs --author (or $USER)', 'silence');
  return { matchers, startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString(), createdBy: author, comment: flags.comment };
}

/** silencesPath builds the `GET /v1/silences` path for `list` matchers. */
export function silencesPath(words: readonly string[]): string {
  const query = new URLSearchParams();
  for (const m of toSilenceMatchers(words, false)) query.append('filter', formatSilenceMatchers([m]));
  const text = query.toString();
  return text === '' ? '/v1/silences' : `/v1/silences?${text}`;
}

/** formatSilencesTable renders silences as the `list` table (a line saying so when there are none). */
export function formatSilencesTable(silences: readonly GettableSilence[], paint: Paint): string {
  if (silences.length === 0) return 'no silences\n';
  const state = (s: string) => (s === 'active' ? paint(s, 'green') : s === 'pending' ? paint(s, 'cyan') : paint(s, 'dim'));
  const rows = silences.map((s) => [s.id, formatSilenceMatchers(s.matchers), state(s.status.state), formatTime(s.startsAt), formatTime(s.endsAt), s.createdBy, s.comment]);
  return table(['ID', 'MATCHERS', 'STATE', 'STARTS', 'ENDS', 'CREATED BY', 'COMMENT'], rows);
}

function defaultAuthor(env: NodeJS.ProcessEnv): string {
  if (env['USER']) return env['USER'];
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

/** runSilence runs `runwarden silence` and resolves to the exit code. */
export async function runSilence(argv: string[], deps: Partial<SilenceDeps> = {}): Promise<number> {
  const d: SilenceDeps = { ...defaultCommandDeps, stderr: process.stderr, now: Date.now, ...deps };
  const { values, positionals } = parseFlags('silence', argv, FLAGS, true);
  if (values.help) {
    d.stdout.write(SILENCE_USAGE);
    return 0;
  }
  const [sub, ...rest] = positionals;
  if (sub !== 'add' && sub !== 'list' && sub !== 'expire') {
    throw new UsageError(sub === undefined ? 'missing subcommand: add, list or expire' : `unknown subcommand ${JSON.stringify(sub)}: add, list or expire`, 'silence');
  }
  const misplaced = (['duration', 'end', 'start', 'comment', 'author'] as const).find((f) => sub !== 'add' && values[f] !== undefined);
  if (misplaced !== undefined) throw new UsageError(`--${misplaced} is for add, not ${sub}`, 'silence');
  if (values.expired && sub !== 'list') throw new UsageError(`--expired is for list, not ${sub}`, 'silence');
  if (sub === 'expire' && rest.length === 0) throw new UsageError('expire needs at least one silence id', 'silence');
  if (sub === 'expire') {
    return eachId(d, 'silence', rest, async (client, id) => {
      await client.request('DELETE', `/v1/silences/${encodeURIComponent(id)}`);
      return `silence ${id} expired\n`;
    });
  }
  const request = sub === 'add' ? { body: silenceBody(rest, values, d.now(), defaultAuthor(d.env)) } : { path: silencesPath(rest) };
  const client = d.createClient(d.env);
  try {
    if (sub === 'add') {
      const answer = (await client.request('POST', '/v1/silences', request.body)) as { silenceID: string };
      d.stdout.write(values.json ? `${JSON.stringify(answer)}\n` : `${answer.silenceID}\n`);
      return 0;
    }
    const all = (await client.request('GET', request.path!)) as GettableSilence[];
    if (values.json) {
      d.stdout.write(`${JSON.stringify(all)}\n`);
      return 0;
    }
    const shown = all.filter((s) => (values.expired ? s.status.state === 'expired' : s.status.state !== 'expired'));
    d.stdout.write(formatSilencesTable(shown, painter(useColour(d.stdout, d.env))));
    return 0;
  } finally {
    await client.close().catch(() => {});
  }
}
