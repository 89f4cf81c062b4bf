import { createHash } from 'node:crypto';

/**
 * Trace and span ids derived from the run id, phase, step and attempt, the way the Collector's
 * GitHub receiver derives them from a workflow run: a repeated or replayed event lands on the same
 * span, and a client can compute its parent without asking.
 */

function hashHex(input: string, bytes: number): string {
  // toString over just the bytes wanted: slicing the 64-character hex string would keep all of it
  // alive behind every id (a sidecar holds ids of every active run).
  const hex = createHash('sha256').update(input).digest().toString('hex', 0, bytes);
  // An all-zero id is invalid in W3C trace context; astronomically unlikely, but never emit one.
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/** traceIdFor is the trace id of a run started without a traceparent. */
export function traceIdFor(runId: string): string {
  return hashHex(`runwarden\u0000trace\u0000${runId}`, 16);
}

/** rootSpanIdFor is the span id of a run's root span. */
export function rootSpanIdFor(runId: string): string {
  return hashHex(`runwarden\u0000run\u0000${runId}`, 8);
}

/** phaseSpanIdFor is the span id of one attempt of a phase. */
export function phaseSpanIdFor(runId: string, phase: string, attempt: number): string {
  return hashHex(`runwarden\u0000phase\u0000${runId}\u0000${phase}\u0000${attempt}`, 8);
}

/** stepSpanIdFor is the span id of one attempt of a step within one attempt of its phase. */
export function stepSpanIdFor(
  runId: string,
  phase: string,
  phaseAttempt: number,
  step: string,
  stepAttempt: number,
): string {
  return hashHex(
    `runwarden\u0000step\u0000${runId}\u0000${phase}\u0000${phaseAttempt}\u0000${step}\u0000${stepAttempt}`,
    8,
  );
}

/** TraceParent is a parsed W3C `traceparent` header. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * parseTraceParent parses a W3C traceparent, or returns undefined when it is not valid
 * (version ff, all-zero ids, or a version-00 header with trailing data).
 */
export function parseTraceParent(value: string): TraceParent | undefined {
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string?];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** formatTraceParent formats a sampled version-00 traceparent. */
export function formatTraceParent(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}
