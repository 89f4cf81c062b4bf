/**
 * Runwarden's additions to Alertmanager's language: `escalations` (a receiver per occurrence
 * count of the same alert within a window) and `delivery` (the outbox's retry and circuit
 * settings).
 */
import type { Node } from 'yaml';
import type { DeliverySettings, EscalationPolicy } from '../../pipeline/types.ts';
import { readLabelNames, readMatchers } from './read-matchers.ts';
import type { Reader } from './reader.ts';
import { join } from './reader.ts';
import type { Reference } from './route.ts';

/** DEFAULT_DELIVERY holds the outbox defaults: deadline 1h, backoff 1s…5m, circuit 5 failures / 30s. */
export const DEFAULT_DELIVERY: Readonly<DeliverySettings> = {
  deadlineMs: 3600_000,
  initialBackoffMs: 1000,
  maxBackoffMs: 300_000,
  circuitFailures: 5,
  circuitResetMs: 30_000,
};

/** DEFAULT_ESCALATION_WINDOW_MS is an escalation's window when it sets none: a day. */
export const DEFAULT_ESCALATION_WINDOW_MS = 24 * 3600_000;

/** readEscalations reads `escalations:`, recording the receivers the steps name in `refs`. */
export function readEscalations(r: Reader, node: Node | null, refs: Reference[]): EscalationPolicy[] {
  const out: EscalationPolicy[] = [];
  r.walk.sequence(node, 'escalations').forEach((item, i) => {
    const what = `escalations[${i}]`;
    const f = r.fields(item, what, ['matchers', 'match', 'match_re', 'window', 'steps', 'ignore_labels']);
    if (f === undefined) return;
    const { matchers } = readMatchers(r, f, what, { matchers: 'matchers', match: 'match', matchRe: 'match_re' });
    const windowMs = r.duration(f, 'window', what, true) ?? DEFAULT_ESCALATION_WINDOW_MS;
    const ignore = readLabelNames(r, f, 'ignore_labels', what);
    const steps: EscalationPolicy['steps'] = [];
    const stepNodes = r.sequence(f.get('steps'), join(what, 'steps'));
    if (stepNodes.length === 0) r.report(`${what}: steps must list at least one step`, f.has('steps') ? r.atField(f.get('steps')!) : r.at(item));
    stepNodes.forEach((stepNode, j) => {
      const at = `${what}.steps[${j}]`;
      const sf = r.fields(stepNode, at, ['after_occurrences', 'receiver']);
      if (sf === undefined) return;
      const after = r.integer(sf, 'after_occurrences', at, 1);
      const receiver = r.nonEmpty(sf, 'receiver', at);
      if (!sf.has('after_occurrences')) r.report(`${at}: missing after_occurrences`, r.at(stepNode));
      if (!sf.has('receiver')) r.report(`${at}: missing receiver`, r.at(stepNode));
      if (receiver !== undefined) refs.push({ name: receiver, where: r.atField(sf.get('receiver')!), what: at });
      if (after === undefined || receiver === undefined) return;
      const where = r.atField(sf.get('after_occurrences')!);
      const previous = steps.at(-1);
      if (j === 0 && after !== 1) r.report(`${at}.after_occurrences: the first step must have after_occurrences: 1`, where);
      else if (previous !== undefined && after <= previous.afterOccurrences) {
        r.report(`${at}.after_occurrences: steps must be in ascending order of after_occurrences (${after} after ${previous.afterOccurrences})`, where);
      }
      steps.push({ afterOccurrences: after, receiver });
    });
    out.push({ matchers, windowMs, steps, ignoreLabels: ignore === undefined ? ['run_id'] : ignore.map((l) => l.value) });
  });
  return out;
}

/** readDelivery reads `delivery:`; every field is optional. */
export function readDelivery(r: Reader, node: Node | null): DeliverySettings {
  const what = 'delivery';
  const f = r.fields(node, what, ['deadline', 'initial_backoff', 'max_backoff', 'circuit_failures', 'circuit_reset']);
  const out: DeliverySettings = {
    deadlineMs: r.duration(f, 'deadline', what, true) ?? DEFAULT_DELIVERY.deadlineMs,
    initialBackoffMs: r.duration(f, 'initial_backoff', what, true) ?? DEFAULT_DELIVERY.initialBackoffMs,
    maxBackoffMs: r.duration(f, 'max_backoff', what, true) ?? DEFAULT_DELIVERY.maxBackoffMs,
    circuitFailures: r.integer(f, 'circuit_failures', what, 1) ?? DEFAULT_DELIVERY.circuitFailures,
    circuitResetMs: r.duration(f, 'circuit_reset', what, true) ?? DEFAULT_DELIVERY.circuitResetMs,
  };
  if (out.maxBackoffMs < out.initialBackoffMs && f) {
    const field = f.get('max_backoff') ?? f.get('initial_backoff');
    if (field) r.report('delivery.max_backoff: must not be shorter than initial_backoff', r.atField(field));
  }
  return out;
}
