/**
 * `GET /v1/rules` and `GET /v1/alerts`, in the shape of Prometheus's `/api/v1/rules` and
 * `/api/v1/alerts` (web/api/v1/api.go), so tools that read Prometheus read the sidecar too:
 * durations in seconds, times in RFC 3339 (Go's zero time for "never"), alert values as strings
 * written as Prometheus's API writes them, `strconv.FormatFloat(v, 'e', -1, 64)` (`1e+00`), which
 * is not the `%g` form its templates print.
 */
import type { FastifyInstance } from 'fastify';
import type { Alert } from './alert-state.ts';
import { AlertingRule } from './alerting-rule.ts';
import type { Group } from './group.ts';
import type { RecordingRule } from './recording-rule.ts';
import { formatGoFloatFmt } from './template/index.ts';

/** RuleApi is what the routes read: the manager. */
export interface RuleApi {
  groups(): readonly Group[];
}

/** ZERO_TIME is Go's zero time.Time as Prometheus writes it for a rule never evaluated. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** registerRuleRoutes adds the rule and alert routes to the ingest API. */
export function registerRuleRoutes(app: FastifyInstance, api: RuleApi): void {
  app.get('/v1/rules', async () => ({ status: 'success', data: { groups: api.groups().map(groupView) } }));
  app.get('/v1/alerts', async () => ({
    status: 'success',
    data: { alerts: api.groups().flatMap((g) => g.alertingRules().flatMap((r) => r.activeAlerts().map(alertView))) },
  }));
}

/** groupView is one group as `/api/v1/rules` answers it. */
export function groupView(g: Group): object {
  return {
    name: g.name,
    file: g.file,
    rules: g.rules.map(ruleView),
    interval: g.intervalMs / 1000,
    limit: g.limit,
    evaluationTime: g.evaluationTimeMs / 1000,
    lastEvaluation: time(g.lastEvaluation),
  };
}

function ruleView(r: AlertingRule | RecordingRule): object {
  const common = {
    name: r.name,
    query: r.query,
    labels: { ...r.labels },
    health: r.status.health,
    ...(r.status.lastError === undefined ? {} : { lastError: r.status.lastError }),
    evaluationTime: r.status.evaluationTimeMs / 1000,
    lastEvaluation: time(r.status.lastEvaluation),
  };
  if (!(r instanceof AlertingRule)) return { ...common, type: 'recording' };
  const state = r.state();
  return {
    state: state === 'unknown' ? 'inactive' : state,
    name: r.name,
    query: r.query,
    duration: r.spec.forMs / 1000,
    keepFiringFor: r.spec.keepFiringForMs / 1000,
    labels: { ...r.labels },
    annotations: { ...r.spec.annotations },
    alerts: r.activeAlerts().map(alertView),
    health: common.health,
    ...(r.status.lastError === undefined ? {} : { lastError: r.status.lastError }),
    evaluationTime: common.evaluationTime,
    lastEvaluation: common.lastEvaluation,
    type: 'alerting',
  };
}

/** alertView is one alert as `/api/v1/alerts` answers it. */
export function alertView(a: Alert): object {
  return {
    labels: { ...a.labels },
    annotations: { ...a.annotations },
    state: a.state,
    activeAt: new Date(a.activeAt).toISOString(),
    ...(a.keepFiringSince === undefined ? {} : { keepFiringSince: new Date(a.keepFiringSince).toISOString() }),
    value: formatGoFloatFmt(a.value, 'e', -1),
  };
}

function time(ms: number | undefined): string {
  return ms === undefined ? ZERO_TIME : new Date(ms).toISOString();
}
