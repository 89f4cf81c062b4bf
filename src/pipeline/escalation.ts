/**
 * Escalation by occurrence, which Alertmanager lacks: each time an alert matching a policy starts
 * firing, that is one occurrence of "the same alert" (its labels minus the policy's ignored ones,
 * `run_id` by default: the same failure on another run). The n-th occurrence within the policy's
 * window goes to the receiver of the last step with `afterOccurrences <= n`, and that alert's
 * resolve goes to the same receiver. Counts and assignments are persisted, so a restart neither
 * resets the ladder nor counts a re-sent alert twice: an occurrence is a firing alert whose
 * fingerprint has no assignment for the same `startsAt` (a re-send or a restart repeats it).
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { labelsKey } from '../rules/label-set.ts';
import type { Labels } from '../rules/types.ts';
import { formatMatchers, matchersMatch } from './matchers.ts';
import type { EscalationPolicy, PipelineAlert } from './types.ts';

/** Escalation is where an escalated alert goes. */
export interface Escalation {
  policy: EscalationPolicy;
  receiver: string;
  /** The occurrence count when the alert started firing. */
  occurrence: number;
}

/** policyKey identifies a policy in the store by its matchers, so a reload that only retunes the window or steps keeps the counts. */
export function policyKey(policy: EscalationPolicy): string {
  return formatMatchers(policy.matchers);
}

/** occurrenceKey is an alert's identity for counting: its labels without the policy's ignored labels. */
export function occurrenceKey(policy: EscalationPolicy, labels: Labels): string {
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!policy.ignoreLabels.includes(k)) kept[k] = v;
  return labelsKey(kept);
}

/** stepReceiver picks the receiver of the last step with `afterOccurrences <= count` (the first step for anything less). */
export function stepReceiver(policy: EscalationPolicy, count: number): string {
  let receiver = policy.steps[0]!.receiver;
  for (const step of policy.steps) if (step.afterOccurrences <= count) receiver = step.receiver;
  return receiver;
}

/** Escalations counts occurrences and remembers assignments in SQLite. */
export class Escalations {
  readonly #db: DatabaseSync;
  #policies: readonly EscalationPolicy[];
  readonly #prune: StatementSync;
  readonly #insert: StatementSync;
  readonly #count: StatementSync;
  readonly #getAssignment: StatementSync;
  readonly #putAssignment: StatementSync;
  readonly #release: StatementSync;
  readonly #gc: StatementSync;

  constructor(db: DatabaseSync, policies: readonly EscalationPolicy[]) {
    this.#db = db;
    this.#policies = policies;
    this.#prune = db.prepare('DELETE FROM escalation_occurrences WHERE policy = ? AND alert_key = ? AND at_ms <= ?');
    this.#insert = db.prepare('INSERT INTO escalation_occurrences (policy, alert_key, at_ms) VALUES (?, ?, ?)');
    this.#count = db.prepare('SELECT count(*) AS n FROM escalation_occurrences WHERE policy = ? AND alert_key = ? AND at_ms > ?');
    this.#getAssignment = db.prepare('SELECT receiver, at_ms FROM escalation_assignments WHERE fingerprint = ?');
    this.#putAssignment = db.prepare(
      'INSERT INTO escalation_assignments (fingerprint, receiver, at_ms) VALUES (?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET receiver = excluded.receiver, at_ms = excluded.at_ms',
    );
    this.#release = db.prepare('DELETE FROM escalation_assignments WHERE fingerprint = ?');
    this.#gc = db.prepare('DELETE FROM escalation_occurrences WHERE at_ms <= ?');
  }

  /** setPolicies replaces the policies (a reload); counts of policies with the same matchers carry over. */
  setPolicies(policies: readonly EscalationPolicy[]): void {
    this.#policies = policies;
  }

  /** policyFor is the first policy whose matchers accept `labels`. */
  policyFor(labels: Labels): EscalationPolicy | undefined {
    return this.#policies.find((p) => matchersMatch(p.matchers, labels));
  }

  /**
   * escalate decides where `alert` goes at `now`: undefined when no policy matches it, or when it
   * is resolved and was never assigned (it then takes the normal routes, where the notification
   * log keeps a resolve from going out without its trigger). A firing alert not yet assigned for
   * this `startsAt` counts one occurrence.
   */
  escalate(alert: PipelineAlert, now: number): Escalation | undefined {
    const policy = this.policyFor(alert.labels);
    if (policy === undefined) return undefined;
    const assigned = this.#getAssignment.get(alert.fingerprint);
    const resolved = alert.endsAt <= now;
    if (assigned !== undefined && (resolved || Number(assigned['at_ms']) === alert.startsAt)) {
      return { policy, receiver: String(assigned['receiver']), occurrence: 0 };
    }
    if (resolved) return undefined;
    const pk = policyKey(policy);
    const ak = occurrenceKey(policy, alert.labels);
    const since = now - policy.windowMs;
    this.#db.exec('SAVEPOINT escalate');
    try {
      this.#prune.run(pk, ak, since);
      this.#insert.run(pk, ak, now);
      const occurrence = Number(this.#count.get(pk, ak, since)!['n']);
      const receiver = stepReceiver(policy, occurrence);
      this.#putAssignment.run(alert.fingerprint, receiver, alert.startsAt);
      this.#db.exec('RELEASE escalate');
      return { policy, receiver, occurrence };
    } catch (err) {
      this.#db.exec('ROLLBACK TO escalate');
      this.#db.exec('RELEASE escalate');
      throw err;
    }
  }

  /** release forgets the assignment of an alert whose resolve has been notified. */
  release(fp: string): void {
    this.#release.run(fp);
  }

  /**
   * gc deletes the occurrences older than the longest window: `escalate` prunes only the key it
   * counts, so an alert that never fires again would keep its rows for ever. Returns how many.
   */
  gc(now: number): number {
    const longest = Math.max(0, ...this.#policies.map((p) => p.windowMs));
    return Number(this.#gc.run(now - longest).changes);
  }

  /** occurrences counts the stored occurrences of `labels` under `policy` within its window before `now`. */
  occurrences(policy: EscalationPolicy, labels: Labels, now: number): number {
    return Number(this.#count.get(policyKey(policy), occurrenceKey(policy, labels), now - policy.windowMs)!['n']);
  }
}
