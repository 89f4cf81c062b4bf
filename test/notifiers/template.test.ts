import { describe, expect, it } from 'vitest';
import { checkNotificationTemplate, renderNotificationTemplate, type TemplateDefinition } from '../../src/notifiers/template.ts';
import type { NotificationAlert, NotificationData } from '../../src/pipeline/types.ts';

const T0 = Date.UTC(2026, 10, 23, 14, 5, 6, 789);

function alert(over: Partial<NotificationAlert> = {}): NotificationAlert {
  return {
    status: 'firing',
    labels: { alertname: 'PhaseTooSlow', severity: 'page', run_id: 'r1', workflow: 'nightly' },
    annotations: { summary: 'planning is slow', description: 'planning ran 4m' },
    startsAt: T0,
    endsAt: 0,
    generatorURL: 'http://runwarden:9464/v1/rules',
    fingerprint: '1a2b3c4d5e6f7081',
    traceURL: 'http://jaeger:16686/trace/abc',
    timeline: ['init ok 12s', 'planning running 4m10s'],
    ...over,
  };
}

function data(over: Partial<NotificationData> = {}): NotificationData {
  return {
    receiver: 'team.ops',
    status: 'firing',
    alerts: [alert(), alert({ status: 'resolved', labels: { alertname: 'PhaseTooSlow', severity: 'page', run_id: 'r2', workflow: 'nightly' }, endsAt: T0 + 60_000, traceURL: undefined, timeline: undefined })],
    groupLabels: { alertname: 'PhaseTooSlow' },
    commonLabels: { alertname: 'PhaseTooSlow', severity: 'page', workflow: 'nightly' },
    commonAnnotations: { summary: 'planning is slow', description: 'planning ran 4m' },
    externalURL: 'http://runwarden:9464',
    groupKey: '{}:{alertname="PhaseTooSlow"}',
    truncatedAlerts: 0,
    ...over,
  };
}

describe('renderNotificationTemplate', () => {
  const cases: { name: string; text: string; want: string; data?: NotificationData; defs?: TemplateDefinition[] }[] = [
    { name: 'empty template renders empty', text: '', want: '' },
    { name: 'Alertmanager subject (slack.default.title)', text: '{{ template "slack.default.title" . }}', want: '[FIRING:1] PhaseTooSlow (page nightly)' },
    {
      name: 'subject without extra common labels keeps Alertmanager trailing space',
      text: '{{ template "__subject" . }}',
      data: data({ commonLabels: { alertname: 'PhaseTooSlow' } }),
      want: '[FIRING:1] PhaseTooSlow ',
    },
    { name: 'resolved subject has no count', text: '{{ template "__subject" . }}', data: data({ status: 'resolved', commonLabels: { alertname: 'PhaseTooSlow' } }), want: '[RESOLVED] PhaseTooSlow ' },
    {
      name: 'fallback with the receiver quoted as Alertmanager does',
      text: '{{ template "slack.default.fallback" . }}',
      want: '[FIRING:1] PhaseTooSlow (page nightly) | http://runwarden:9464/#/alerts?receiver=team%5C.ops',
    },
    {
      name: 'pagerduty instances list, alertname first',
      text: '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
      want: 'Labels:\n - alertname = PhaseTooSlow\n - run_id = r1\n - severity = page\n - workflow = nightly\nAnnotations:\n - description = planning ran 4m\n - summary = planning is slow\nSource: http://runwarden:9464/v1/rules\n',
    },
    {
      name: 'Runwarden text: summary, trace link and timeline',
      text: '{{ template "slack.default.text" . }}',
      want: '*[FIRING]* PhaseTooSlow: planning is slow\nplanning ran 4m\nTrace: http://jaeger:16686/trace/abc\nTimeline:\n  init ok 12s\n  planning running 4m10s\n*[RESOLVED]* PhaseTooSlow: planning is slow\nplanning ran 4m\n',
    },
    { name: 'KV prints as sorted pairs', text: '{{ .GroupLabels }}|{{ .CommonLabels.Names }}|{{ .CommonLabels.SortedPairs }}', want: 'alertname=PhaseTooSlow|[alertname severity workflow]|alertname=PhaseTooSlow, severity=page, workflow=nightly' },
    { name: 'Remove with a stringSlice', text: '{{ (.CommonLabels.Remove (stringSlice "severity")).Values | join "," }}', want: 'PhaseTooSlow,nightly' },
    { name: 'Firing and Resolved', text: '{{ len .Alerts.Firing }}/{{ len .Alerts.Resolved }}{{ range .Alerts.Resolved }} {{ .Labels.run_id }}{{ end }}', want: '1/1 r2' },
    { name: 'times as Go prints them; zero EndsAt', text: '{{ (index .Alerts 0).StartsAt }}|{{ (index .Alerts 0).EndsAt }}', want: '2026-11-23 14:05:06.789 +0000 UTC|0001-01-01 00:00:00 +0000 UTC' },
    { name: 'date and tz UTC', text: '{{ (index .Alerts 0).StartsAt | tz "UTC" | date "15:04 Jan 2 MST Z07:00" }}', want: '14:05 Nov 23 UTC Z' },
    { name: 'tz Europe/Berlin in winter', text: '{{ (index .Alerts 0).StartsAt | tz "Europe/Berlin" }}', want: '2026-11-23 15:05:06.789 +0100 CET' },
    { name: 'tz with date and every zone form', text: '{{ (index .Alerts 0).StartsAt | tz "Asia/Kolkata" | date "2006-01-02 15:04 MST -0700 -07:00 -07 Z0700" }}', want: '2026-11-23 19:35 IST +0530 +05:30 +05 +0530' },
    { name: 'tz wall clock and instant', text: '{{ $t := (index .Alerts 0).StartsAt | tz "America/New_York" }}{{ $t.Hour }} {{ $t.Weekday }} {{ eq $t.Unix (index .Alerts 0).StartsAt.Unix }} {{ $t.Format "3:04PM MST" }}', want: '9 Monday true 9:05AM EST' },
    { name: 'since uses the injected clock', text: '{{ since (index .Alerts 0).StartsAt }}', want: '1m0s' },
    { name: 'string functions', text: '{{ title "hELLO wORLD" }} {{ toUpper "a" }}{{ toLower "B" }} {{ trimSpace "  x  " }} {{ match "^Phase" .GroupLabels.alertname }} {{ reReplaceAll "(.*)Slow" "${1}Fast" "PhaseSlow" }} [{{ reReplaceAll "(.*)Slow" "$1Fast" "PhaseSlow" }}]', want: 'Hello World Ab x true PhaseFast []' },
    { name: 'base64 (URL alphabet, padded)', text: '{{ base64encode "??>" }} {{ base64encode "a?b>" }} {{ base64decode "Pz8-" }}', want: 'Pz8- YT9iPg== ??>' },
    { name: 'missing label is empty (missingkey=zero)', text: '[{{ .CommonLabels.nothere }}]', want: '[]' },
    { name: 'trace URL and timeline per alert', text: '{{ range .Alerts }}{{ .TraceURL }}{{ .Timeline.Join ";" }}|{{ end }}', want: 'http://jaeger:16686/trace/abcinit ok 12s;planning running 4m10s||' },
    {
      name: 'user definitions override the defaults',
      text: '{{ template "slack.default.title" . }}',
      defs: [{ file: 'custom.tmpl', text: '{{ define "slack.default.title" }}{{ .Status }} {{ .CommonLabels.workflow }}{{ end }}' }],
      want: 'firing nightly',
    },
    {
      name: 'an empty redefinition keeps the definition it would replace, as Go does',
      text: '{{ template "slack.default.color" . }}',
      defs: [{ file: 'empty.tmpl', text: '{{ define "slack.default.color" }} {{ end }}' }],
      want: 'danger',
    },
  ];
  it.each(cases)('$name', ({ text, want, data: d, defs }) => {
    expect(renderNotificationTemplate(text, d ?? data(), defs ?? [], { nowMs: T0 + 60_000 })).toEqual({ ok: true, text: want });
  });

  it('falls back to a plain text of the alerts with the error when execution fails', () => {
    const got = renderNotificationTemplate('{{ index .Alerts 7 }}', data(), [], { name: 'text' });
    expect(got).toEqual({
      ok: false,
      error: 'text:1:4: executing at <index .Alerts 7>: error calling index: index out of range: 7',
      text: [
        '[FIRING:1] PhaseTooSlow',
        '- firing: alertname=PhaseTooSlow, run_id=r1, severity=page, workflow=nightly',
        '  summary: planning is slow',
        '  trace: http://jaeger:16686/trace/abc',
        '- resolved: alertname=PhaseTooSlow, run_id=r2, severity=page, workflow=nightly',
        '  summary: planning is slow',
        '(the notification template failed: text:1:4: executing at <index .Alerts 7>: error calling index: index out of range: 7)',
      ].join('\n'),
    });
  });

  it('an unknown time zone fails the render with Go\'s error', () => {
    const got = renderNotificationTemplate('{{ (index .Alerts 0).StartsAt | tz "Nope/Zone" }}', data(), [], { name: 'text' });
    expect(got.ok === false && got.error).toBe('text:1:33: executing at <tz "Nope/Zone">: error calling tz: unknown time zone Nope/Zone');
  });

  it('names the definition file and template when a named template fails', () => {
    const defs = [{ file: 'team.tmpl', text: '{{ define "x" }}\n  {{ index .Alerts 9 }}{{ end }}' }];
    const got = renderNotificationTemplate('{{ template "x" . }}', data(), defs, { name: 'title' });
    expect(got.ok).toBe(false);
    expect(got.ok === false && got.error).toBe('team.tmpl:2:6 (in template "x"): executing at <index .Alerts 9>: error calling index: index out of range: 9');
  });
});

describe('checkNotificationTemplate', () => {
  const cases: { name: string; text: string; defs?: TemplateDefinition[]; want: string | undefined }[] = [
    { name: 'a good template', text: '{{ template "slack.default.title" . }} {{ .CommonAnnotations.summary }}', want: undefined },
    { name: 'data-dependent failures are not refused', text: '{{ (index .Alerts 3).Status }}', want: undefined },
    { name: 'unknown function', text: 'x {{ humanize 3 }}', want: 'title:1:6: function "humanize" not defined' },
    { name: 'syntax error', text: '{{ if .Status }}x', want: 'title:1:18: unexpected EOF' },
    { name: 'unknown template', text: '{{ template "slack.nope" . }}', want: 'title:1:13: no such template "slack.nope"' },
    { name: 'an unknown zone is refused only when rendered (it depends on data)', text: '{{ (index .Alerts 0).StartsAt | tz "Nope/Zone" }}', want: undefined },
    { name: 'unknown field', text: '{{ .Alerts.Firing.Foo }}', want: "title:1:11: executing at <.Alerts.Firing.Foo>: can't evaluate field Foo in type []template.Alert" },
    { name: 'a bad definition file', text: 'x', defs: [{ file: 'bad.tmpl', text: '{{ define "a" }}\n{{ end' }], want: 'bad.tmpl:2:1: unclosed action' },
  ];
  it.each(cases)('$name', ({ text, defs, want }) => {
    expect(checkNotificationTemplate(text, defs ?? [], 'title')).toBe(want);
  });
});
