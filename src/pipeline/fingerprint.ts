/**
 * Fingerprints: a stable 64-bit FNV-1a hash of an alert's sorted labels, as Alertmanager's
 * `model.LabelSet.Fingerprint` (names and values separated by 0xff), written as 16 hex digits.
 * Stable across processes, so the notification log and escalation assignments survive restarts.
 */
import type { Labels } from '../rules/types.ts';

const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xff;
const encoder = new TextEncoder();

/** fingerprint hashes `labels` (order-independent) to 16 lowercase hex digits. */
export function fingerprint(labels: Labels): string {
  let h = OFFSET;
  const step = (byte: number) => {
    h ^= BigInt(byte);
    h = (h * PRIME) & MASK;
  };
  for (const name of Object.keys(labels).sort()) {
    for (const b of encoder.encode(name)) step(b);
    step(SEPARATOR);
    for (const b of encoder.encode(labels[name]!)) step(b);
    step(SEPARATOR);
  }
  return h.toString(16).padStart(16, '0');
}

/** formatLabelSet writes labels as Alertmanager's `LabelSet.String`: `{a="1", b="2"}`, sorted. */
export function formatLabelSet(labels: Labels): string {
  return `{${Object.keys(labels)
    .sort()
    .map((n) => `${n}=${JSON.stringify(labels[n])}`)
    .join(', ')}}`;
}
