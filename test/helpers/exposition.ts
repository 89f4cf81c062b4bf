/**
 * A reader of the Prometheus text exposition format (0.0.4) for tests: samples with their labels,
 * label values unescaped as the format defines (\\, \", \n).
 */

import { parseExposition } from '../../src/telemetry/exposition.ts';
import type { ExpositionSample } from '../../src/telemetry/exposition.ts';

export { parseExposition };
/** Sample is one line of an exposition. */
export type Sample = ExpositionSample;

/** find returns the samples named `name` whose labels include `labels`. */
export function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** value returns the one matching sample's value, or undefined when none matches; throws when several do. */
export function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = find(samples, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
