/**
 * NotificationData as Alertmanager's template `Data` builds it from a group's alerts: status
 * `firing` when any alert fires, group labels, the labels and annotations common to every alert,
 * and per alert the run's trace link and timeline when it carries a `run_id`. Pure.
 */
import type { Labels } from '../rules/types.ts';
import type { NotificationAlert, NotificationData, PipelineAlert } from './types.ts';

/** RunInfo is what the sidecar knows of a run, for the links in a notification. */
export type RunInfo = (runId: string) => { traceId?: string; timeline?: string[] } | undefined;

/** DataContext is what besides the alerts goes into a notification's data. */
export interface DataContext {
  receiver: string;
  groupKey: string;
  groupLabels: Labels;
  externalURL: string;
  now: number;
  traceUrlTemplate?: string;
  runInfo?: RunInfo;
  /** At most this many alerts (webhook `max_alerts`); 0 = all. */
  maxAlerts?: number;
}

/** renderTraceURL fills `{{ .RunID }}` and `{{ .TraceID }}` (spaces inside the braces optional), URL-escaped. */
export function renderTraceURL(template: string, runId: string, traceId: string): string {
  return template
    .replace(/\{\{\s*\.RunID\s*\}\}/g, encodeURIComponent(runId))
    .replace(/\{\{\s*\.TraceID\s*\}\}/g, encodeURIComponent(traceId));
}

function common(records: readonly Labels[]): Record<string, string> {
  if (records.length === 0) return {};
  const out: Record<string, string> = { ...records[0] };
  for (const r of records.slice(1)) for (const k of Object.keys(out)) if (r[k] !== out[k]) delete out[k];
  return out;
}

/** buildNotificationData builds the data of one notification from the alerts it carries (already filtered and sorted). */
export function buildNotificationData(alerts: readonly PipelineAlert[], ctx: DataContext): NotificationData {
  const limit = ctx.maxAlerts !== undefined && ctx.maxAlerts > 0 ? ctx.maxAlerts : alerts.length;
  const shown = alerts.slice(0, limit);
  const out: NotificationAlert[] = shown.map((a) => {
    const resolved = a.endsAt <= ctx.now;
    const n: NotificationAlert = {
      status: resolved ? 'resolved' : 'firing',
      labels: { ...a.labels },
      annotations: { ...a.annotations },
      startsAt: a.startsAt,
      // A firing alert's endsAt is only how long it stays valid without news: not an end.
      endsAt: resolved ? a.endsAt : 0,
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    };
    const runId = a.labels['run_id'];
    if (runId !== undefined) {
      const info = ctx.runInfo?.(runId);
      if (ctx.traceUrlTemplate !== undefined) n.traceURL = renderTraceURL(ctx.traceUrlTemplate, runId, info?.traceId ?? '');
      if (info?.timeline !== undefined) n.timeline = [...info.timeline];
    }
    return n;
  });
  return {
    receiver: ctx.receiver,
    status: alerts.some((a) => a.endsAt > ctx.now) ? 'firing' : 'resolved',
    alerts: out,
    groupLabels: { ...ctx.groupLabels },
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: ctx.externalURL,
    groupKey: ctx.groupKey,
    truncatedAlerts: alerts.length - shown.length,
  };
}
