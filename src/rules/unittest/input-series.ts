/**
 * A test group's input series, loaded lazily as promtool's `promql.LazyLoader` loads them: the
 * samples up to each evaluation time go into the store just before the rules run at that time, so
 * a rule never sees a sample from its future (an `offset -5m` or `@` reaching forward sees nothing
 * there), and promql_expr_test queries see the samples up to the last evaluation, not beyond.
 */
import type { Labels, Point } from '../types.ts';
import { labelsKey } from '../label-set.ts';
import type { UnitEngine, UnitStore } from './ports.ts';

interface LoadedSeries {
  labels: Labels;
  points: Point[];
  /** Index of the first point not yet appended. */
  next: number;
}

/** InputSeriesLoader holds the expanded input series and appends them to a store step by step. */
export class InputSeriesLoader {
  private readonly series: LoadedSeries[];

  private constructor(series: LoadedSeries[]) {
    this.series = series;
  }

  /**
   * parse expands every input series `intervalMs` apart. Throws the parser's error on a bad
   * selector or bad values. A series given twice keeps its last definition (promtool keys series by
   * label hash); points at a time already taken are dropped (the TSDB keeps the first, which is
   * what `interval: 0` produces: every value at 0s).
   */
  static parse(
    input: ReadonlyArray<{ series: string; values: string }>,
    intervalMs: number,
    engine: Pick<UnitEngine, 'expandSeriesValues' | 'parseSeriesSelector'>,
  ): InputSeriesLoader {
    const byKey = new Map<string, LoadedSeries>();
    for (const { series, values } of input) {
      const labels = engine.parseSeriesSelector(series);
      const expanded = engine.expandSeriesValues(values, intervalMs);
      const points: Point[] = [];
      for (const p of expanded) {
        const last = points.at(-1);
        if (last === undefined || p.t > last.t) points.push(p);
      }
      byKey.set(labelsKey(labels), { labels, points, next: 0 });
    }
    return new InputSeriesLoader([...byKey.values()]);
  }

  /** appendTill appends every point with time ≤ `tMs` not yet appended, stale markers as stale markers. */
  appendTill(tMs: number, store: UnitStore): void {
    for (const s of this.series) {
      while (s.next < s.points.length) {
        const p = s.points[s.next]!;
        if (p.t > tMs) break;
        if (p.stale) store.markStale(s.labels, p.t);
        else store.append(s.labels, p.t, p.v);
        s.next++;
      }
    }
  }
}
