/**
 * The named templates notification defaults use: the subset of Alertmanager's `default.tmpl` that
 * Slack, PagerDuty and the shared helpers need, rendering the same text Alertmanager renders, plus
 * Runwarden's `runwarden.default.text` (each alert with its summary, trace link and run timeline).
 *
 * One deliberate difference: Alertmanager's `slack.default.text` is empty; Runwarden's renders
 * `runwarden.default.text`, so a Block Kit message has a body without any template configured.
 * User template files are parsed after these and may redefine any of them.
 */

/** DEFAULT_TEMPLATES_FILE names the built-in definitions in error messages. */
export const DEFAULT_TEMPLATES_FILE = 'default.tmpl';

const SUBJECT =
  '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] ' +
  '{{ .GroupLabels.SortedPairs.Values | join " " }} ' +
  '{{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " }}{{ end }}){{ end }}';

const TEXT_ALERT_LIST =
  '{{ range . }}Labels:\n' +
  '{{ range .Labels.SortedPairs }} - {{ .Name }} = {{ .Value }}\n{{ end }}' +
  'Annotations:\n' +
  '{{ range .Annotations.SortedPairs }} - {{ .Name }} = {{ .Value }}\n{{ end }}' +
  'Source: {{ .GeneratorURL }}\n{{ end }}';

const RUNWARDEN_TEXT =
  '{{ range .Alerts }}*[{{ .Status | toUpper }}]* {{ .Labels.alertname }}{{ with .Annotations.summary }}: {{ . }}{{ end }}\n' +
  '{{ with .Annotations.description }}{{ . }}\n{{ end }}' +
  '{{ with .TraceURL }}Trace: {{ . }}\n{{ end }}' +
  '{{ with .Timeline }}Timeline:\n{{ range . }}  {{ . }}\n{{ end }}{{ end }}' +
  '{{ end }}';

const DEFINITIONS: readonly (readonly [string, string])[] = [
  ['__alertmanager', 'Alertmanager'],
  ['__alertmanagerURL', '{{ .ExternalURL }}/#/alerts?receiver={{ .Receiver | urlquery }}'],
  ['__subject', SUBJECT],
  ['__description', ''],
  ['__text_alert_list', TEXT_ALERT_LIST],
  ['runwarden.default.text', RUNWARDEN_TEXT],
  ['slack.default.title', '{{ template "__subject" . }}'],
  ['slack.default.username', '{{ template "__alertmanager" . }}'],
  ['slack.default.fallback', '{{ template "slack.default.title" . }} | {{ template "slack.default.titlelink" . }}'],
  ['slack.default.callbackid', ''],
  ['slack.default.pretext', ''],
  ['slack.default.titlelink', '{{ template "__alertmanagerURL" . }}'],
  ['slack.default.iconemoji', ''],
  ['slack.default.iconurl', ''],
  ['slack.default.text', '{{ template "runwarden.default.text" . }}'],
  ['slack.default.footer', ''],
  ['slack.default.color', '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}'],
  ['pagerduty.default.description', '{{ template "__subject" . }}'],
  ['pagerduty.default.client', '{{ template "__alertmanager" . }}'],
  ['pagerduty.default.clientURL', '{{ template "__alertmanagerURL" . }}'],
  ['pagerduty.default.instances', '{{ template "__text_alert_list" . }}'],
];

/** DEFAULT_TEMPLATES is the text of the built-in definitions, one `{{ define }}` per line. */
export const DEFAULT_TEMPLATES: string = DEFINITIONS.map(([name, body]) => `{{ define "${name}" }}${body}{{ end }}`).join('\n');
