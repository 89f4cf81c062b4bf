/**
 * Sampler turns a self-scrape (the exposition text /metrics serves) into samples of the rule
 * engine's store, as Prometheus's scrape loop does: every sample is appended at the scrape time
 * with `__name__` among its labels, and a series present at the previous scrape but absent now
 * gets a stale marker, so the series of a finished run stop answering instant selectors at once
 * rather than 5 minutes later. Label sets are parsed once per series and reused, so a tick costs
 * about one string split and one map lookup per line.
 *
 * `ingestMetrics` takes the same series straight from the producers' MetricData (see
 * metric-samples.ts), skipping the exposition text both ways. A sampler is fed by one of the two:
 * each keeps its own record of the previous scrape, and switching forgets the other's (series that
 * vanish exactly then are not marked stale).
 */
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { parseExposition } from '../telemetry/exposition.ts';
import { metricSamples, sampleLabels } from './metric-samples.ts';
import { fromEntries, METRIC_NAME } from './promql/labels.ts';
import type { Labels } from './types.ts';

/** SampleSink is where samples go: the sample store. */
export interface SampleSink {
  append(labels: Labels, t: number, v: number): void;
  markStale(labels: Labels, t: number): void;
}

/**
 * SKIPPED_METRICS are exported by the rule engine itself: the groups write them to the store
 * at their evaluation, so reading them back from the scrape would write them twice.
 */
const SKIPPED_METRICS = new Set(['ALERTS', 'ALERTS_FOR_STATE']);

/** Sampler ingests self-scrapes; it keeps the series seen at the previous one. */
export class Sampler {
  readonly #sink: SampleSink;
  /** Series text (the line before its value) to its labels, for the series of the last scrape. */
  #previous = new Map<string, Labels>();
  /** The same for ingestMetrics: series identity (name and labels as written) to its labels. */
  #previousMetrics = new Map<string, Labels>();

  constructor(sink: SampleSink) {
    this.#sink = sink;
  }

  /** seriesCount is how many series the last scrape had. */
  get seriesCount(): number {
    return this.#previous.size;
  }

  /**
   * ingest appends every sample of `exposition` at time `t` and marks stale the series of the
   * previous call that are not in this one. Returns how many samples were appended. Throws on an
   * unreadable line (nothing after it is appended, and nothing is marked stale).
   */
  ingest(exposition: string, t: number): number {
    this.#previousMetrics = new Map();
    const current = new Map<string, Labels>();
    let count = 0;
    for (const line of exposition.split('\n')) {
      if (line === '' || line.charCodeAt(0) === 35 /* # */) continue;
      // The exporter writes no timestamps, so the value is the last field.
      const cut = line.lastIndexOf(' ');
      const series = line.slice(0, cut);
      let labels = this.#previous.get(series) ?? current.get(series);
      let value: number;
      if (labels === undefined) {
        const [sample] = parseExposition(line);
        if (sample === undefined || SKIPPED_METRICS.has(sample.name)) continue;
        labels = fromEntries([[METRIC_NAME, sample.name], ...Object.entries(sample.labels)]);
        value = sample.value;
      } else {
        value = parseValue(line.slice(cut + 1));
      }
      current.set(series, labels);
      this.#sink.append(labels, t, value);
      count++;
    }
    for (const [series, labels] of this.#previous) {
      if (!current.has(series)) this.#sink.markStale(labels, t);
    }
    this.#previous = current;
    return count;
  }

  /**
   * ingestMetrics appends, at time `t`, every sample a scrape of `rm` would show, and marks stale
   * the series of the previous call that are not in this one. Returns how many samples were
   * appended.
   */
  ingestMetrics(rm: ResourceMetrics, t: number): number {
    this.#previous = new Map();
    const previous = this.#previousMetrics;
    const current = new Map<string, Labels>();
    let count = 0;
    metricSamples(rm, (name, id, attributes, extra, value) => {
      if (SKIPPED_METRICS.has(name)) return;
      let labels = previous.get(id) ?? current.get(id);
      labels ??= fromEntries([[METRIC_NAME, name], ...Object.entries(sampleLabels(attributes, extra))]);
      current.set(id, labels);
      this.#sink.append(labels, t, value);
      count++;
    });
    for (const [id, labels] of previous) {
      if (!current.has(id)) this.#sink.markStale(labels, t);
    }
    this.#previousMetrics = current;
    return count;
  }
}

function parseValue(raw: string): number {
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return Number.NaN;
  return Number(raw);
}

