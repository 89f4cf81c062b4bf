import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SpanOutbox } from '../../src/telemetry/span-outbox.ts';
import type { SpanOutboxOptions } from '../../src/telemetry/span-outbox.ts';

// The outbox between the event log and the Collector: the exported-up-to mark must only pass an
// event once every span of it reached the exporter, since a restart re-exports from the mark and
// nothing below it. Timers are fake: every wait is stepped, from 0.

/** Outcome is how the fake Collector answers one export: ok, failed, an exception, or never. */
type Outcome = 'ok' | 'fail' | 'throw' | 'hang';

/** FakeExporter answers exports from a script of outcomes (then `ok`) and records each call. */
class FakeExporter implements SpanExporter {
  readonly calls: { atMs: number; spans: string[] }[] = [];
  readonly #script: Outcome[];
  shutDown = false;
  constructor(script: Outcome[] = []) {
    this.#script = [...script];
  }
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.calls.push({ atMs: Date.now(), spans: spans.map((s) => s.name) });
    const outcome = this.#script.shift() ?? 'ok';
    if (outcome === 'throw') throw new Error('exporter blew up');
    if (outcome === 'hang') return;
    done(outcome === 'ok' ? { code: ExportResultCode.SUCCESS } : { code: ExportResultCode.FAILED, error: new Error('503') });
  }
  async shutdown(): Promise<void> {
    this.shutDown = true;
  }
  /** attempted lists the span names of every export call, failed or not, in order. */
  get attempted(): string[][] {
    return this.calls.map((c) => c.spans);
  }
}

function span(name: string): ReadableSpan {
  return { name } as unknown as ReadableSpan;
}

interface Harness {
  outbox: SpanOutbox;
  exporter: FakeExporter;
  marks: [number, boolean][];
  deferred: number[];
}

function harness(script: Outcome[] = [], options: Partial<SpanOutboxOptions> = {}): Harness {
  const exporter = new FakeExporter(script);
  const marks: [number, boolean][] = [];
  const deferred: number[] = [];
  const outbox = new SpanOutbox({
    exporter,
    scheduledDelayMillis: 100,
    exportTimeoutMillis: 1000,
    maxQueueSize: 100,
    maxExportBatchSize: 10,
    onMark: (mark, afterExport) => marks.push([mark, afterExport]),
    onDeferred: (n) => deferred.push(n),
    ...options,
  });
  return { outbox, exporter, marks, deferred };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the exported-up-to mark', () => {
  it('passes an event only once its spans are exported', async () => {
    const h = harness();
    h.outbox.start(0, 0);
    h.outbox.committed(2); // events 1 and 2 made no span
    expect(h.outbox.mark).toBe(2);
    h.outbox.add(3, span('build'));
    h.outbox.committed(5);
    // Event 3's span waits for the batch delay: the mark must not pass it.
    expect(h.outbox.mark).toBe(2);
    await vi.advanceTimersByTimeAsync(99);
    expect(h.exporter.calls).toHaveLength(0);
    expect(h.outbox.mark).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.exporter.calls).toEqual([{ atMs: 100, spans: ['build'] }]);
    expect(h.outbox.mark).toBe(5);
    // Span-less commits move it lazily; an export says "persist now".
    expect(h.marks).toEqual([[2, false], [5, true]]);
  });

  it('never passes events the log has not committed yet', async () => {
    const h = harness();
    h.outbox.start(10, 10);
    expect(h.outbox.mark).toBe(10);
    h.outbox.add(11, span('a'));
    await vi.advanceTimersByTimeAsync(100);
    expect(h.exporter.attempted).toEqual([['a']]);
    // Exported, but the log only said "committed up to 10" so far (start): the mark stays there.
    expect(h.outbox.mark).toBe(10);
    h.outbox.committed(12);
    expect(h.outbox.mark).toBe(12);
  });

  it('starts from the mark a restart read, and does not go back below it', () => {
    const h = harness();
    h.outbox.start(40, 40);
    h.outbox.committed(30);
    expect(h.outbox.mark).toBe(40);
    expect(h.marks).toEqual([]);
  });

  it('sends a full batch at once, without waiting for the delay', async () => {
    const h = harness([], { maxExportBatchSize: 3 });
    for (let seq = 1; seq <= 3; seq++) h.outbox.add(seq, span(`s${seq}`));
    h.outbox.committed(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.exporter.calls).toEqual([{ atMs: 0, spans: ['s1', 's2', 's3'] }]);
    expect(h.outbox.mark).toBe(3);
  });
});

describe('a failing Collector', () => {
  it('retries the same spans with doubling backoff, and the mark holds until they are exported', async () => {
    const h = harness(['fail', 'fail', 'fail']);
    h.outbox.add(1, span('extract'));
    h.outbox.committed(1);
    await vi.advanceTimersByTimeAsync(3599);
    expect(h.exporter.calls.map((c) => c.atMs)).toEqual([100, 600, 1600]);
    expect(h.outbox.mark).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.exporter.calls.map((c) => c.atMs)).toEqual([100, 600, 1600, 3600]);
    // Nothing was dropped: each attempt carried the span again.
    expect(h.exporter.attempted).toEqual([['extract'], ['extract'], ['extract'], ['extract']]);
    expect(h.outbox.mark).toBe(1);
    expect(h.marks).toEqual([[1, true]]);
  });

  it('caps the backoff at maxBackoffMillis', async () => {
    const h = harness(['fail', 'fail', 'fail', 'fail', 'fail'], { maxBackoffMillis: 1500 });
    h.outbox.add(1, span('x'));
    h.outbox.committed(1);
    await vi.advanceTimersByTimeAsync(20_000);
    const at = h.exporter.calls.map((c) => c.atMs);
    expect(at.slice(1).map((t, i) => t - (at[i] as number))).toEqual([500, 1000, 1500, 1500, 1500]);
    expect(h.outbox.mark).toBe(1);
  });

  it('treats an export that never answers as failed after the export timeout, and retries it', async () => {
    const h = harness(['hang']);
    h.outbox.add(1, span('slow'));
    h.outbox.committed(1);
    await vi.advanceTimersByTimeAsync(100 + 1000 - 1);
    expect(h.exporter.calls).toHaveLength(1);
    expect(h.outbox.mark).toBe(0);
    await vi.advanceTimersByTimeAsync(1 + 500);
    expect(h.exporter.calls.map((c) => c.atMs)).toEqual([100, 1600]);
    expect(h.outbox.mark).toBe(1);
  });

  it('survives an exporter that throws, and retries', async () => {
    const h = harness(['throw']);
    h.outbox.add(1, span('boom'));
    h.outbox.committed(1);
    await vi.advanceTimersByTimeAsync(100 + 500);
    expect(h.exporter.calls.map((c) => c.atMs)).toEqual([100, 600]);
    expect(h.outbox.mark).toBe(1);
  });

  it('keeps spans that arrive during an outage and exports them after it, in order', async () => {
    const h = harness(['fail']);
    h.outbox.add(1, span('a'));
    h.outbox.committed(1);
    await vi.advanceTimersByTimeAsync(100); // first export fails
    h.outbox.add(2, span('b'));
    h.outbox.committed(2);
    await vi.advanceTimersByTimeAsync(500);
    expect(h.exporter.attempted).toEqual([['a'], ['a', 'b']]);
    expect(h.outbox.mark).toBe(2);
  });
});

describe('a full queue', () => {
  it('defers what does not fit and everything after it, then backfills from the log in seq order', async () => {
    const h = harness([], { maxQueueSize: 2 });
    const backfills: number[] = [];
    // The "log": what a backfill rebuilds for events after the mark it is given.
    const log = new Map([[3, 's3'], [4, 's4'], [6, 's6']]);
    h.outbox.setBackfill((mark) => {
      backfills.push(mark);
      for (const [seq, name] of log) if (seq > mark) h.outbox.add(seq, span(name));
    });
    h.outbox.add(1, span('s1'));
    h.outbox.add(2, span('s2'));
    h.outbox.add(3, span('s3'));
    h.outbox.committed(5);
    // Room again, but event 6 comes after a deferred one: it waits its turn in the log too.
    h.outbox.add(6, span('s6'));
    h.outbox.committed(7);
    expect(h.deferred).toEqual([1, 1]);
    await vi.advanceTimersByTimeAsync(100);
    expect(h.exporter.attempted).toEqual([['s1', 's2']]);
    expect(h.outbox.mark).toBe(2);
    // The queue drained: the backfill rebuilds from the log after the mark, in order. Its own
    // chunk overflows the queue again at 6, which waits for the next backfill: none goes twice.
    await vi.advanceTimersByTimeAsync(1);
    expect(backfills).toEqual([2]);
    await vi.advanceTimersByTimeAsync(100);
    expect(h.exporter.attempted).toEqual([['s1', 's2'], ['s3', 's4']]);
    await vi.advanceTimersByTimeAsync(1);
    expect(backfills).toEqual([2, 5]);
    await vi.advanceTimersByTimeAsync(100);
    expect(h.exporter.attempted).toEqual([['s1', 's2'], ['s3', 's4'], ['s6']]);
    expect(h.outbox.mark).toBe(7);
  });

  it('a restart defers everything after the persisted mark to the backfill', async () => {
    const h = harness();
    const backfills: number[] = [];
    h.outbox.setBackfill((mark) => {
      backfills.push(mark);
      h.outbox.add(9, span('after-crash'));
    });
    h.outbox.start(8, 9);
    h.outbox.add(10, span('live'));
    expect(h.deferred).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(backfills).toEqual([8]);
    await vi.advanceTimersByTimeAsync(100);
    expect(h.exporter.attempted).toEqual([['after-crash']]);
    expect(h.outbox.mark).toBe(9);
  });

  it('a backfill that throws is retried after a backoff, sending what it queued before the throw only once', async () => {
    const errors: string[] = [];
    const h = harness([], { onBackfillError: (err) => errors.push((err as Error).message) });
    const backfills: number[] = [];
    h.outbox.setBackfill((mark) => {
      backfills.push(mark);
      h.outbox.add(4, span('s4'));
      if (backfills.length === 1) throw new Error('disk I/O error');
      h.outbox.add(5, span('s5'));
    });
    h.outbox.start(3, 5);
    await vi.advanceTimersByTimeAsync(1);
    expect(backfills).toEqual([3]);
    expect(errors).toEqual(['disk I/O error']);
    await vi.advanceTimersByTimeAsync(499);
    expect(h.exporter.attempted).toEqual([]);
    expect(h.outbox.mark).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(backfills).toEqual([3, 3]);
    await vi.advanceTimersByTimeAsync(100);
    expect(h.exporter.attempted).toEqual([['s4', 's5']]);
    expect(h.outbox.mark).toBe(5);
  });
});

describe('flush and shutdown', () => {
  it('forceFlush exports every queued span in batches, without waiting for the delay', async () => {
    const h = harness([], { maxExportBatchSize: 2, scheduledDelayMillis: 60_000 });
    for (let seq = 1; seq <= 5; seq++) h.outbox.add(seq, span(`s${seq}`));
    h.outbox.committed(5);
    // A full batch goes at once; the rest waits for the long delay until the flush.
    await vi.advanceTimersByTimeAsync(0);
    await h.outbox.forceFlush();
    expect(h.exporter.attempted.flat()).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect(h.exporter.calls.every((c) => c.atMs === 0)).toBe(true);
    expect(h.outbox.mark).toBe(5);
  });

  it('forceFlush returns when the Collector fails instead of spinning, keeping the spans', async () => {
    const h = harness(['fail', 'fail']);
    h.outbox.add(1, span('a'));
    h.outbox.committed(1);
    await h.outbox.forceFlush();
    expect(h.exporter.attempted).toEqual([['a']]);
    expect(h.outbox.mark).toBe(0);
  });

  it('shutdown flushes, stops the exporter, and ignores later spans', async () => {
    const h = harness();
    h.outbox.add(1, span('last'));
    h.outbox.committed(1);
    await h.outbox.shutdown();
    expect(h.exporter.attempted).toEqual([['last']]);
    expect(h.exporter.shutDown).toBe(true);
    h.outbox.add(2, span('late'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.exporter.attempted).toEqual([['last']]);
  });
});
