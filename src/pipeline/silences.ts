/**
 * Silences as Alertmanager's `silence` package keeps them: a silence mutes every alert all of
 * whose labels its matchers accept while it is active. State follows the clock: `pending` before
 * `startsAt`, `active` until `endsAt`, `expired` after. Updating an active or pending silence
 * whose matchers and (for an active one) start are unchanged edits it in place; any other update
 * expires it and creates a new one with a new id, as Alertmanager does, so history is never
 * rewritten. Expiring sets `endsAt` to now (and `startsAt` too when pending). Persisted in the
 * `silences` table; expired silences are kept for `retentionMs` after their end, then collected.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import type { Labels } from '../rules/types.ts';
import { newMatcher } from '../config/alerting/matchers.ts';
import { matchersMatch } from './matchers.ts';
import type { LabelMatcher } from './types.ts';

/** SilenceMatcher is a matcher in the API v2 shape. `isEqual: false` negates it. */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** SilenceState is where a silence is in its life at some time. */
export type SilenceState = 'pending' | 'active' | 'expired';

/** Silence is one stored silence; times in epoch ms. */
export interface Silence {
  id: string;
  matchers: SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  updatedAt: number;
}

/** SilenceInput is a silence to create, or to update when `id` is set (API v2 `postableSilence`); no `startsAt` means now. */
export interface SilenceInput {
  id?: string;
  matchers: SilenceMatcher[];
  startsAt?: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

/** SilenceWithState is a silence with its state at the time it was read. */
export interface SilenceWithState extends Silence {
  state: SilenceState;
}

/** DEFAULT_SILENCE_RETENTION_MS keeps expired silences 5 days, Alertmanager's `--data.retention`. */
export const DEFAULT_SILENCE_RETENTION_MS = 120 * 3_600_000;

/** SilencesOptions configure a Silences store. */
export interface SilencesOptions {
  db: DatabaseSync;
  clock: () => number;
  retentionMs?: number;
  /** New silence ids; default random UUIDs. */
  newId?: () => string;
  /** Told about a stored silence that cannot be read (another version's, or damaged); it is left in the table and ignored. */
  onUnreadable?: (id: string, problem: string) => void;
}

/** silenceState is the state of `s` at `now`. */
export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now < s.startsAt) return 'pending';
  if (now < s.endsAt) return 'active';
  return 'expired';
}

/** toLabelMatchers compiles API matchers; throws on a bad regexp. */
export function toLabelMatchers(matchers: readonly SilenceMatcher[]): LabelMatcher[] {
  return matchers.map((m) => newMatcher(m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=', m.name, m.value));
}

interface Entry {
  silence: Silence;
  compiled: LabelMatcher[];
}

const STATE_ORDER: Record<SilenceState, number> = { active: 0, pending: 1, expired: 2 };

/** Silences is the silence store. All methods are synchronous; writes are durable on return. */
export class Silences {
  readonly #clock: () => number;
  readonly #retentionMs: number;
  readonly #newId: () => string;
  readonly #entries = new Map<string, Entry>();
  readonly #upsert: StatementSync;
  readonly #delete: StatementSync;

  constructor(o: SilencesOptions) {
    this.#clock = o.clock;
    this.#retentionMs = o.retentionMs ?? DEFAULT_SILENCE_RETENTION_MS;
    this.#newId = o.newId ?? randomUUID;
    this.#upsert = o.db.prepare('INSERT INTO silences (id, body, ends_ms) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, ends_ms = excluded.ends_ms');
    this.#delete = o.db.prepare('DELETE FROM silences WHERE ends_ms < ?');
    for (const row of o.db.prepare('SELECT id, body FROM silences').all()) {
      try {
        const silence = readSilence(JSON.parse(String(row['body'])));
        this.#entries.set(silence.id, { silence, compiled: toLabelMatchers(silence.matchers) });
      } catch (err) {
        o.onUnreadable?.(String(row['id']), (err as Error).message);
      }
    }
  }

  /**
   * set creates a silence (no `id`) or updates one, and returns the id of the silence now in
   * force (a new one when the update could not be made in place). Throws ValidationError for a
   * silence that would be invalid, NotFoundError for an unknown id.
   */
  set(given: SilenceInput): string {
    const now = this.#clock();
    const input: SilenceInput & { startsAt: number } = { ...given, startsAt: given.startsAt ?? now };
    const compiled = validateSilence(input, now);
    if (input.id !== undefined) {
      const prev = this.#entries.get(input.id);
      if (prev === undefined) throw new NotFoundError(`silence ${input.id} not found`);
      if (canUpdate(prev.silence, input, now)) {
        this.#write({ ...prev.silence, ...withoutId(input), id: prev.silence.id, updatedAt: now }, compiled);
        return prev.silence.id;
      }
      if (silenceState(prev.silence, now) !== 'expired') this.#expireEntry(prev.silence, now);
    }
    const id = this.#newId();
    // A silence starting in the past starts now: it cannot have silenced anything before it existed.
    this.#write({ ...withoutId(input), id, startsAt: Math.max(input.startsAt, now), updatedAt: now }, compiled);
    return id;
  }

  /** expire ends silence `id` now; NotFoundError when unknown. Idempotent: an expired silence stays as it was, as in Alertmanager. */
  expire(id: string): void {
    const e = this.#entries.get(id);
    if (e === undefined) throw new NotFoundError(`silence ${id} not found`);
    const now = this.#clock();
    if (silenceState(e.silence, now) === 'expired') return;
    this.#expireEntry(e.silence, now);
  }

  /** get returns silence `id` with its state now, or undefined. */
  get(id: string): SilenceWithState | undefined {
    const e = this.#entries.get(id);
    return e === undefined ? undefined : { ...e.silence, state: silenceState(e.silence, this.#clock()) };
  }

  /**
   * list returns the silences, active first (ending soonest first), then pending (starting soonest
   * first), then expired (most recently ended first), as Alertmanager's UI orders them. With
   * `filter`, only silences whose equality matchers, read as labels, satisfy every filter matcher.
   */
  list(filter: readonly LabelMatcher[] = []): SilenceWithState[] {
    const now = this.#clock();
    const out: SilenceWithState[] = [];
    for (const { silence } of this.#entries.values()) {
      if (filter.length > 0) {
        const labels: Record<string, string> = {};
        for (const m of silence.matchers) if (m.isEqual && !m.isRegex) labels[m.name] = m.value;
        if (!matchersMatch(filter, labels)) continue;
      }
      out.push({ ...silence, state: silenceState(silence, now) });
    }
    return out.sort((a, b) => {
      if (a.state !== b.state) return STATE_ORDER[a.state] - STATE_ORDER[b.state];
      if (a.state === 'active') return a.endsAt - b.endsAt;
      if (a.state === 'pending') return a.startsAt - b.startsAt;
      return b.endsAt - a.endsAt;
    });
  }

  /** mutedBy returns the ids of the silences active at `now` that match `labels`. */
  mutedBy(labels: Labels, now: number = this.#clock()): string[] {
    const ids: string[] = [];
    for (const { silence, compiled } of this.#entries.values()) {
      if (silenceState(silence, now) === 'active' && matchersMatch(compiled, labels)) ids.push(silence.id);
    }
    return ids;
  }

  /** counts tells how many silences are in each state now (for runwarden_silences{state}). */
  counts(): Record<SilenceState, number> {
    const now = this.#clock();
    const out: Record<SilenceState, number> = { active: 0, pending: 0, expired: 0 };
    for (const { silence } of this.#entries.values()) out[silenceState(silence, now)]++;
    return out;
  }

  /** gc deletes silences that ended more than the retention ago; returns how many. */
  gc(): number {
    const cutoff = this.#clock() - this.#retentionMs;
    let n = 0;
    for (const [id, { silence }] of this.#entries) {
      if (silence.endsAt < cutoff) {
        this.#entries.delete(id);
        n++;
      }
    }
    this.#delete.run(cutoff);
    return n;
  }

  #expireEntry(s: Silence, now: number): void {
    const pending = silenceState(s, now) === 'pending';
    const e = this.#entries.get(s.id)!;
    this.#write({ ...s, startsAt: pending ? now : s.startsAt, endsAt: now, updatedAt: now }, e.compiled);
  }

  #write(silence: Silence, compiled: LabelMatcher[]): void {
    this.#upsert.run(silence.id, JSON.stringify(silence), silence.endsAt);
    this.#entries.set(silence.id, { silence, compiled });
  }
}

/** readSilence checks a stored silence's shape; throws naming what is wrong. */
function readSilence(v: unknown): Silence {
  const o = (v ?? {}) as Record<string, unknown>;
  const isText = (x: unknown) => typeof x === 'string';
  const isMs = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= MAX_DATE_MS;
  const matchers = o['matchers'];
  if (!isText(o['id']) || !isText(o['createdBy']) || !isText(o['comment'])) throw new Error('id, createdBy or comment is not a string');
  if (!isMs(o['startsAt']) || !isMs(o['endsAt']) || !isMs(o['updatedAt'])) throw new Error('startsAt, endsAt or updatedAt is not a time');
  if (!Array.isArray(matchers) || !matchers.every((m: Record<string, unknown> | null) => isText(m?.['name']) && isText(m?.['value']) && typeof m?.['isRegex'] === 'boolean' && typeof m?.['isEqual'] === 'boolean')) {
    throw new Error('matchers are not a list of {name, value, isRegex, isEqual}');
  }
  return o as unknown as Silence;
}

/** MAX_DATE_MS is the largest epoch ms a Date holds; a time beyond it cannot be written as RFC 3339. */
export const MAX_DATE_MS = 8.64e15;

function matchersText(ms: readonly SilenceMatcher[]): string {
  return JSON.stringify(ms.map((m) => [m.name, m.value, m.isRegex, m.isEqual]));
}

function withoutId(input: SilenceInput & { startsAt: number }): Omit<Silence, 'id' | 'updatedAt'> {
  return {
    matchers: input.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual })),
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    createdBy: input.createdBy,
    comment: input.comment,
  };
}

// Alertmanager's canUpdate: same matchers; an active silence keeps its start and may not end in
// the past; a pending one may not be moved to start in the past; an expired one is history.
function canUpdate(prev: Silence, next: SilenceInput & { startsAt: number }, now: number): boolean {
  if (matchersText(prev.matchers) !== matchersText(next.matchers)) return false;
  switch (silenceState(prev, now)) {
    case 'active':
      return next.startsAt === prev.startsAt && next.endsAt >= now;
    case 'pending':
      return next.startsAt >= now;
    case 'expired':
      return false;
  }
}

/** validateSilence checks what depends on the store's rules and the time; returns the compiled matchers. */
function validateSilence(input: SilenceInput & { startsAt: number }, now: number): LabelMatcher[] {
  const problems: FieldProblem[] = [];
  const compiled: LabelMatcher[] = [];
  if (input.matchers.length === 0) problems.push({ path: '/matchers', message: 'must have at least one matcher' });
  input.matchers.forEach((m, i) => {
    try {
      compiled.push(...toLabelMatchers([m]));
    } catch (err) {
      problems.push({ path: `/matchers/${i}/value`, message: (err as Error).message });
    }
  });
  if (problems.length === 0 && compiled.every((m) => matchersMatch([m], {}))) {
    problems.push({ path: '/matchers', message: 'at least one matcher must not match the empty string (a silence of everything)' });
  }
  if (input.endsAt <= input.startsAt) problems.push({ path: '/endsAt', message: 'must be after startsAt' });
  else if (input.endsAt < now) problems.push({ path: '/endsAt', message: 'must not be in the past' });
  if (problems.length > 0) throw new ValidationError(problems);
  return compiled;
}
