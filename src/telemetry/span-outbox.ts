import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * SpanOutbox exports finished spans in batches, as the SDK's BatchSpanProcessor does, with two
 * differences that make the event log, not this memory, the source of truth:
 * - each span carries the seq of the log event that produced it, and the outbox keeps an
 *   exported-up-to mark: every span of every event at or below it has been exported. The mark is
 *   persisted; spans of events after it are rebuilt from the log after a restart.
 * - a failed export is retried with backoff instead of dropped, so the mark only lags while the
 *   Collector is away.
 * When the queue is full, the span that does not fit and every later one are deferred: not held
 * here, but rebuilt from the log by the backfill once the queue has drained, in seq order and in
 * bounded chunks. Deferring everything after the first overflow keeps exports in seq order, which
 * is what lets a single mark say exactly what was sent. A restart starts the same way: deferred
 * from the mark on.
 */

/** SpanOutboxOptions are the OTEL_BSP_* settings plus where the mark goes. */
export interface SpanOutboxOptions {
  exporter: SpanExporter;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
  /**
   * onMark is told each new mark; `afterExport` says an export just succeeded (persist it now: a
   * crash before it is persisted re-exports those spans) rather than span-less events committing.
   */
  onMark?: (mark: number, afterExport: boolean) => void;
  /** onDeferred is told how many spans were left in the log for the backfill. */
  onDeferred?: (count: number) => void;
  /** onBackfillError is told a backfill threw (the log could not be read); it is retried after a backoff. */
  onBackfillError?: (err: unknown) => void;

  /** maxBackoffMillis caps the wait between retries of a failed export (default 30 s). */
  maxBackoffMillis?: number;
}

interface Entry {
  seq: number;
  span: ReadableSpan;
}

const MIN_BACKOFF_MS = 500;

/** SpanOutbox is the span export pipeline. */
export class SpanOutbox {
  readonly #o: Required<Omit<SpanOutboxOptions, 'onMark' | 'onDeferred' | 'onBackfillError'>> & Pick<SpanOutboxOptions, 'onMark' | 'onDeferred' | 'onBackfillError'>;
  #backfill: ((mark: number) => void) | undefined;
  #queue: Entry[] = [];
  #committedSeq = 0;
  /** Spans of events from this seq on are deferred to the backfill; Infinity when none is. */
  #deferredFrom = Infinity;
  #backfillScheduled = false;
  #backfillBackoffMs = 0;
  #mark = 0;
  #timer: NodeJS.Timeout | undefined;
  #exporting: Promise<void> | undefined;
  #backoffMs = 0;
  #stopped = false;

  constructor(options: SpanOutboxOptions) {
    this.#o = { maxBackoffMillis: 30_000, ...options };
  }

  /** mark is the current exported-up-to seq. */
  get mark(): number {
    return this.#mark;
  }

  /**
   * start begins from the persisted `mark` (everything at or below it was exported before) with
   * the log committed up to `committedSeq`: the spans in between come from the backfill.
   */
  start(mark: number, committedSeq: number): void {
    this.#mark = mark;
    this.#committedSeq = Math.max(committedSeq, mark);
    if (committedSeq > mark) this.deferFrom(mark + 1);
  }

  /**
   * setBackfill sets who rebuilds spans of events after `mark` from the log and `add`s them in seq
   * order, a bounded chunk at a time, calling `deferFrom` where its chunk stopped.
   */
  setBackfill(backfill: (mark: number) => void): void {
    this.#backfill = backfill;
    this.#maybeBackfill();
  }

  /** deferFrom leaves the spans of events from `seq` on to the backfill. */
  deferFrom(seq: number): void {
    this.#deferredFrom = Math.min(this.#deferredFrom, seq);
    this.#maybeBackfill();
  }

  /** add queues a span produced by the event `seq`. MUST NOT block or throw. */
  add(seq: number, span: ReadableSpan): void {
    if (this.#stopped) return;
    if (seq >= this.#deferredFrom) {
      this.#o.onDeferred?.(1);
      return;
    }
    if (this.#queue.length >= this.#o.maxQueueSize) {
      this.#deferredFrom = seq;
      this.#o.onDeferred?.(1);
      return;
    }
    this.#queue.push({ seq, span });
    if (this.#queue.length >= this.#o.maxExportBatchSize) this.#schedule(0);
    else this.#schedule(this.#o.scheduledDelayMillis);
  }

  /** committed tells the outbox that every event up to `seq` is in the log. */
  committed(seq: number): void {
    if (seq > this.#committedSeq) this.#committedSeq = seq;
    this.#advanceMark(false);
  }

  #advanceMark(afterExport: boolean): void {
    const oldest = this.#queue[0]?.seq ?? Infinity;
    const next = Math.min(this.#committedSeq, oldest - 1, this.#deferredFrom - 1);
    if (next > this.#mark) {
      this.#mark = next;
      this.#o.onMark?.(next, afterExport);
    }
  }

  /** Once the queue has drained, the deferred spans are rebuilt from the log, a chunk at a time. */
  #maybeBackfill(): void {
    if (this.#deferredFrom === Infinity || this.#queue.length > 0 || this.#exporting || this.#stopped || !this.#backfill || this.#backfillScheduled) return;
    this.#backfillScheduled = true;
    setImmediate(() => {
      this.#backfillScheduled = false;
      if (this.#deferredFrom === Infinity || this.#queue.length > 0 || this.#exporting || this.#stopped) return;
      this.#advanceMark(false);
      this.#deferredFrom = Infinity;
      try {
        this.#backfill?.(this.#mark);
        this.#backfillBackoffMs = 0;
      } catch (err) {
        this.#backfillFailed(err);
        return;
      }
      if (this.#queue.length === 0) this.#advanceMark(false);
    });
  }

  /**
   * A backfill that throws (the log unreadable for now) runs on a timer, where a throw would end
   * the process. What it queued before it threw is dropped and everything after the mark stays
   * deferred, so the retry, after a backoff, rebuilds the chunk whole and sends no span twice.
   */
  #backfillFailed(err: unknown): void {
    this.#queue = [];
    this.#deferredFrom = this.#mark + 1;
    this.#backfillBackoffMs = Math.min(Math.max(MIN_BACKOFF_MS, this.#backfillBackoffMs * 2), this.#o.maxBackoffMillis);
    this.#backfillScheduled = true;
    setTimeout(() => {
      this.#backfillScheduled = false;
      this.#maybeBackfill();
    }, this.#backfillBackoffMs).unref();
    this.#o.onBackfillError?.(err);
  }

  #schedule(delay: number): void {
    if (this.#exporting || this.#stopped) return;
    const wait = Math.max(delay, this.#backoffMs);
    if (this.#timer) {
      if (wait > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#exportBatch();
    }, wait);
    this.#timer.unref();
  }

  #exportBatch(): Promise<void> {
    if (this.#exporting) return this.#exporting;
    if (this.#queue.length === 0) return Promise.resolve();
    const batch = this.#queue.slice(0, this.#o.maxExportBatchSize);
    this.#exporting = this.#send(batch.map((e) => e.span)).then((ok) => {
      this.#exporting = undefined;
      if (ok) {
        this.#queue.splice(0, batch.length);
        this.#backoffMs = 0;
        this.#advanceMark(true);
      } else {
        this.#backoffMs = Math.min(Math.max(MIN_BACKOFF_MS, this.#backoffMs * 2), this.#o.maxBackoffMillis);
      }
      if (this.#queue.length > 0) this.#schedule(this.#queue.length >= this.#o.maxExportBatchSize ? 0 : this.#o.scheduledDelayMillis);
      else this.#maybeBackfill();
    });
    return this.#exporting;
  }

  #send(spans: ReadableSpan[]): Promise<boolean> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (ok: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timeout);
        resolve(ok);
      };
      const timeout = setTimeout(() => finish(false), this.#o.exportTimeoutMillis);
      timeout.unref();
      try {
        this.#o.exporter.export(spans, (result: ExportResult) => finish(result.code === ExportResultCode.SUCCESS));
      } catch {
        finish(false);
      }
    });
  }

  /** forceFlush exports everything queued, one batch after another, until empty or a batch fails. */
  async forceFlush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    await this.#exporting;
    while (this.#queue.length > 0) {
      const before = this.#queue.length;
      this.#backoffMs = 0;
      await this.#exportBatch();
      if (this.#queue.length >= before) return;
    }
  }

  /** shutdown flushes what it can and stops the exporter; later spans wait in the log. */
  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#o.exporter.shutdown();
  }
}
