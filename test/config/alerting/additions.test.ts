/**
 * Inhibit rules (new and old forms), template files, and Runwarden's additions: escalations,
 * delivery settings and the trace link template.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAlertingConfig } from '../../../src/config/alerting/index.ts';
import { configProblems } from '../../../src/config/config-errors.ts';
import type { ConfigError } from '../../../src/errors.ts';
import { parse, problems, yaml } from './parse-helper.ts';

const HEAD = yaml('route: {receiver: runner-retry}', 'receivers: [{name: runner-retry}, {name: slack}, {name: pagerduty}]');
const plain = (ms: { name: string; type: string; value: string }[]) => ms.map((m) => `${m.name}${m.type}${m.value}`);

describe('inhibit rules', () => {
  it('reads source_matchers/target_matchers and the old source_match(_re)/target_match(_re) forms', () => {
    const config = parse(
      HEAD +
        yaml(
          'inhibit_rules:',
          '  - source_matchers: [severity="critical"]',
          '    target_matchers: [\'severity=~"warning|info"\']',
          '    equal: [alertname, cluster]',
          '  - source_match: {severity: critical}',
          '    source_match_re: {job: "etl-.*"}',
          '    target_match: {severity: warning}',
        ),
    );
    expect(config.inhibitRules.map((r) => ({ source: plain(r.sourceMatchers), target: plain(r.targetMatchers), equal: r.equal }))).toEqual([
      { source: ['severity=critical'], target: ['severity=~warning|info'], equal: ['alertname', 'cluster'] },
      { source: ['job=~etl-.*', 'severity=critical'], target: ['severity=warning'], equal: [] },
    ]);
  });

  it.each([
    { line: '  - {source_matchers: ["a=~(x"]}', want: 'am.yml:4:24: inhibit_rules[0].source_matchers: invalid regular expression "(x": error parsing regexp: missing closing ): `(x`' },
    { line: '  - {target_match: {"a.b": x}}', want: 'am.yml:4:21: inhibit_rules[0].target_match: invalid label name "a.b"' },
    { line: '  - {equal: ["bad-label"]}', want: 'am.yml:4:14: inhibit_rules[0].equal: invalid label name "bad-label"' },
    { line: '  - {source_matcher: [a=b]}', want: 'am.yml:4:6: inhibit_rules[0]: unknown field "source_matcher" (did you mean "source_matchers"?)' },
  ])('refuses $line', ({ line, want }) => {
    expect(problems(HEAD + yaml('inhibit_rules:', line))).toEqual([want]);
  });
});

describe('escalations', () => {
  it('reads the issue example, with defaults for window and ignore_labels', () => {
    const config = parse(
      HEAD +
        yaml(
          'escalations:',
          '  - matchers: [alertname="RunFailed"]',
          '    window: 24h',
          '    steps: [{after_occurrences: 1, receiver: runner-retry}, {after_occurrences: 2, receiver: slack}, {after_occurrences: 3, receiver: pagerduty}]',
          '  - match: {team: data}',
          '    ignore_labels: [run_id, attempt]',
          '    window: 1h',
          '    steps: [{after_occurrences: 1, receiver: slack}]',
          '  - steps: [{after_occurrences: 1, receiver: slack}]',
        ),
    );
    expect(config.escalations.map((e) => ({ ...e, matchers: plain(e.matchers) }))).toEqual([
      {
        matchers: ['alertname=RunFailed'],
        windowMs: 24 * 3600_000,
        steps: [
          { afterOccurrences: 1, receiver: 'runner-retry' },
          { afterOccurrences: 2, receiver: 'slack' },
          { afterOccurrences: 3, receiver: 'pagerduty' },
        ],
        ignoreLabels: ['run_id'],
      },
      { matchers: ['team=data'], windowMs: 3600_000, steps: [{ afterOccurrences: 1, receiver: 'slack' }], ignoreLabels: ['run_id', 'attempt'] },
      { matchers: [], windowMs: 24 * 3600_000, steps: [{ afterOccurrences: 1, receiver: 'slack' }], ignoreLabels: ['run_id'] },
    ]);
  });

  it.each([
    { lines: ['  - steps: [{after_occurrences: 2, receiver: slack}]'], want: ['am.yml:4:33: escalations[0].steps[0].after_occurrences: the first step must have after_occurrences: 1'] },
    {
      lines: ['  - steps: [{after_occurrences: 1, receiver: slack}, {after_occurrences: 1, receiver: pagerduty}]'],
      want: ['am.yml:4:74: escalations[0].steps[1].after_occurrences: steps must be in ascending order of after_occurrences (1 after 1)'],
    },
    {
      lines: ['  - steps: [{after_occurrences: 1, receiver: slack}, {after_occurrences: 3, receiver: slack}, {after_occurrences: 2, receiver: slack}]'],
      want: ['am.yml:4:115: escalations[0].steps[2].after_occurrences: steps must be in ascending order of after_occurrences (2 after 3)'],
    },
    { lines: ['  - steps: [{after_occurrences: 1, receiver: nobody}]'], want: ['am.yml:4:46: escalations[0].steps[0]: undefined receiver "nobody" used'] },
    { lines: ['  - steps: [{after_occurrences: 0, receiver: slack}]'], want: ['am.yml:4:33: escalations[0].steps[0].after_occurrences: must be an integer of at least 1'] },
    { lines: ['  - steps: [{receiver: slack}]'], want: ['am.yml:4:13: escalations[0].steps[0]: missing after_occurrences'] },
    { lines: ['  - steps: []'], want: ['am.yml:4:12: escalations[0]: steps must list at least one step'] },
    { lines: ['  - {window: 0s, steps: [{after_occurrences: 1, receiver: slack}]}'], want: ['am.yml:4:14: escalations[0].window: cannot be zero'] },
    { lines: ['  - {matchers: ["x"], steps: [{after_occurrences: 1, receiver: slack}]}'], want: ['am.yml:4:17: escalations[0].matchers: bad matcher format: x'] },
  ])('refuses $lines', ({ lines, want }) => {
    expect(problems(HEAD + yaml('escalations:', ...lines))).toEqual(want);
  });
});

describe('delivery', () => {
  it('defaults to deadline 1h, backoff 1s..5m, circuit 5 failures and 30s', () => {
    expect(parse(HEAD).delivery).toEqual({ deadlineMs: 3600_000, initialBackoffMs: 1000, maxBackoffMs: 300_000, circuitFailures: 5, circuitResetMs: 30_000 });
  });

  it('reads every setting', () => {
    const config = parse(HEAD + yaml('delivery: {deadline: 2h, initial_backoff: 500ms, max_backoff: 1m, circuit_failures: 3, circuit_reset: 1m}'));
    expect(config.delivery).toEqual({ deadlineMs: 7200_000, initialBackoffMs: 500, maxBackoffMs: 60_000, circuitFailures: 3, circuitResetMs: 60_000 });
  });

  it.each([
    { line: 'delivery: {deadline: 0s}', want: 'am.yml:3:22: delivery.deadline: cannot be zero' },
    { line: 'delivery: {initial_backoff: 1m, max_backoff: 1s}', want: 'am.yml:3:46: delivery.max_backoff: must not be shorter than initial_backoff' },
    { line: 'delivery: {circuit_failures: 0}', want: 'am.yml:3:30: delivery.circuit_failures: must be an integer of at least 1' },
    { line: 'delivery: {retries: 3}', want: 'am.yml:3:12: delivery: unknown field "retries"' },
  ])('refuses $line', ({ line, want }) => {
    expect(problems(HEAD + yaml(line))).toEqual([want]);
  });
});

describe('templates and trace_url', () => {
  const TMPL = '{{ define "my.title" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ end }}';
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runwarden-tmpl-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // inDir parses `text` as `am.yml` in the test's directory, with `files` written next to it.
  const inDir = (text: string, files: Record<string, string>) => {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    return () => parseAlertingConfig(text, 'am.yml', { env: {}, baseDir: dir });
  };
  const SLACK_WITH_TITLE = yaml('route: {receiver: s}', 'receivers:', '  - name: s', '    slack_configs: [{api_url: "http://s/", title: \'{{ template "my.title" . }}\'}]');

  it('reads template files by glob relative to the config file, in order, and lets fields use their definitions', () => {
    const config = inDir(yaml('templates: ["tmpl/*.tmpl"]') + SLACK_WITH_TITLE, { 'tmpl/b.tmpl': TMPL, 'tmpl/a.tmpl': '{{ define "a" }}a{{ end }}', 'tmpl/c.txt': 'not a template {{' })();
    expect(config.templateSources).toEqual([
      { file: join(dir, 'tmpl/a.tmpl'), text: '{{ define "a" }}a{{ end }}' },
      { file: join(dir, 'tmpl/b.tmpl'), text: TMPL },
    ]);
  });

  it('refuses a field naming a template no file defines (a glob matching nothing is no error, as in Alertmanager)', () => {
    expect(problemsOf(inDir(yaml('templates: ["tmpl/*.tmpl"]') + SLACK_WITH_TITLE, {}))).toEqual([
      expect.stringMatching(/^am\.yml:5:51: receivers\[0\]\.slack_configs\[0\]\.title: bad template: title:1:13: no such template "my\.title"$/),
    ]);
  });

  it.each([
    { name: 'template file that does not parse', text: '{{ define "x" }}{{ if }}{{ end }}', want: /^am\.yml:1:12: templates: .*missing value for if/ },
    { name: 'template file calling an unknown function', text: '{{ define "x" }}{{ nope }}{{ end }}', want: /^am\.yml:1:12: templates: .*function "nope" not defined/ },
  ])('refuses a $name', ({ text, want }) => {
    const got = problemsOf(inDir(yaml('templates: [my.tmpl]', 'route: {receiver: r}', 'receivers: [{name: r}]'), { 'my.tmpl': text }));
    expect(got).toEqual([expect.stringMatching(want)]);
  });

  it('accepts a valid trace_url and refuses a broken one', () => {
    expect(parse(HEAD + yaml('trace_url: "http://jaeger:16686/trace/{{ .TraceID }}"')).traceUrlTemplate).toBe('http://jaeger:16686/trace/{{ .TraceID }}');
    expect(parse(HEAD).traceUrlTemplate).toBeUndefined();
    expect(problems(HEAD + yaml('trace_url: "http://j/{{ .TraceID "'))).toEqual(['am.yml:3:12: trace_url: bad template: unclosed action']);
  });
});

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    return configProblems(err as ConfigError).map((p) => p.message);
  }
  throw new Error('did not fail');
}
