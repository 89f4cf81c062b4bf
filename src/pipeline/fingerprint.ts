/**
 * Fingerprints: a stable 64-bit FNV-1a hash of an alert's sorted labels, as Alertmanager's
 * `model.LabelSet.Fingerprint` (names and values separated by 0xff), written as 16 hex digits.
 * Stable across processes, so the notification log and escalation assignments survive restarts.
 */
import type { Labels } from '../rules/types.ts';

const encoder = new TextEncoder();
const SEPARATOR = 0xff;
const ASCII = /^[\x00-\x7f]*$/;

/**
 * fingerprint hashes `labels` (order-independent) to 16 lowercase hex digits. The 64-bit state
 * is kept as two 32-bit halves (BigInt costs 10x more; this runs for every alert of every batch).
 */
export function fingerprint(labels: Labels): string {
  // FNV-1a 64: offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const name of Object.keys(labels).sort()) {
    for (const text of [name, labels[name]!]) {
      const bytes = ASCII.test(text) ? undefined : encoder.encode(text);
      const n = bytes === undefined ? text.length : bytes.length;
      // Each string is followed by the 0xff separator, hence i <= n.
      for (let i = 0; i <= n; i++) {
        const byte = i === n ? SEPARATOR : bytes === undefined ? text.charCodeAt(i) : bytes[i]!;
        lo = (lo ^ byte) >>> 0;
        const low = lo * 0x1b3;
        hi = (Math.imul(hi, 0x1b3) + (lo << 8) + Math.floor(low / 0x1_0000_0000)) >>> 0;
        lo = low >>> 0;
      }
    }
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** formatLabelSet writes labels as Alertmanager's `LabelSet.String`: `{a="1", b="2"}`, sorted. */
export function formatLabelSet(labels: Labels): string {
  return `{${Object.keys(labels)
    .sort()
    .map((n) => `${n}=${JSON.stringify(labels[n])}`)
    .join(', ')}}`;
}
