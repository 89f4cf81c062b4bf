import type { PoolReport, Result, Run } from './types.ts';

/** LatestResult is how a workflow's most recently finished run ended. */
export interface LatestResult {
  runId: string;
  result: Result;
  endMs: number;
}

/**
 * RunRegistry holds the runs in memory: every active run, and a bounded cache of recently finished
 * ones (oldest forgotten first) so late duplicates are answered without reading the log.
 */
export class RunRegistry {
  readonly #active = new Map<string, Run>();
  readonly #finished = new Map<string, Run>();
  readonly #maxFinished: number;
  /** The latest finished run per workflow: one entry per workflow ever seen, small and unbounded by runs. */
  readonly #latest = new Map<string, LatestResult>();
  #pool: PoolReport | undefined;

  constructor(maxFinished = 1000) {
    this.#maxFinished = maxFinished;
  }

  /** get finds a run by id, active or finished. */
  get(runId: string): Run | undefined {
    return this.#active.get(runId) ?? this.#finished.get(runId);
  }

  /** put records a run after a transition; a run that finished moves to the finished set. */
  put(run: Run): void {
    if (run.state !== 'finished') {
      this.#active.set(run.runId, run);
      return;
    }
    this.#noteFinished(run);
    if (this.#active.delete(run.runId) || this.#finished.get(run.runId) !== run) {
      this.#finished.set(run.runId, run);
      if (this.#finished.size > this.#maxFinished) {
        const oldest = this.#finished.keys().next().value as string;
        this.#finished.delete(oldest);
      }
    }
  }

  /**
   * latestResult is the result of the workflow's most recently finished run (by end time) this
   * registry has seen finish, or undefined when none has. `dependsOn` health reads it.
   */
  latestResult(workflow: string): LatestResult | undefined {
    return this.#latest.get(workflow);
  }

  /**
   * noteLatest records a finished run of `workflow` as its latest if it ended after the one known:
   * recovery seeds the registry from the store with it, so `dependsOn` health survives a restart.
   */
  noteLatest(workflow: string, latest: LatestResult): void {
    const prev = this.#latest.get(workflow);
    if (prev !== undefined && (prev.endMs > latest.endMs || prev.runId === latest.runId)) return;
    this.#latest.set(workflow, latest);
  }

  #noteFinished(run: Run): void {
    if (run.result === undefined || run.endMs === undefined) return;
    this.noteLatest(run.workflow, { runId: run.runId, result: run.result, endMs: run.endMs });
  }

  /** delete forgets a run (rolled back before it was ever committed, or pruned). */
  delete(runId: string): void {
    this.#active.delete(runId);
    this.#finished.delete(runId);
  }

  /** activeRuns iterates the active runs in start order. */
  activeRuns(): IterableIterator<Run> {
    return this.#active.values();
  }

  /** finishedRuns iterates the retained finished runs, oldest first. */
  finishedRuns(): IterableIterator<Run> {
    return this.#finished.values();
  }

  get activeCount(): number {
    return this.#active.size;
  }

  pool(): PoolReport | undefined {
    return this.#pool;
  }

  setPool(report: PoolReport): void {
    this.#pool = report;
  }
}
