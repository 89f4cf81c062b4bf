import { describe, expect, it } from 'vitest';
import {
  alertMismatchMessage,
  alertsEqual,
  sampleMismatchMessage,
  samplesEqual,
} from '../../../src/rules/unittest/compare.ts';

describe('alertsEqual', () => {
  const a = { labels: { alertname: 'A', pod: 'p-0' }, annotations: { summary: 's' } };
  const b = { labels: { alertname: 'A', pod: 'p-1' }, annotations: {} };

  it.each([
    ['the same alerts in any order', [a, b], [b, a], true],
    ['no alerts on both sides', [], [], true],
    ['an extra alert', [a], [a, b], false],
    ['a missing label', [{ ...a, labels: { alertname: 'A' } }], [a], false],
    ['an expected empty label value, which an alert never has', [{ ...b, labels: { ...b.labels, x: '' } }], [b], false],
    ['an annotation that differs', [{ ...a, annotations: { summary: 'S' } }], [a], false],
    ['the same alert twice against once', [a, a], [a], false],
  ])('%s', (_, exp, got, want) => {
    expect(alertsEqual(exp, got)).toBe(want);
  });
});

describe('samplesEqual', () => {
  it.each([
    ['any order', [{ labels: { a: '1' }, value: 1 }, { labels: { a: '2' }, value: 2 }], [{ labels: { a: '2' }, value: 2 }, { labels: { a: '1' }, value: 1 }], true],
    ['a different value', [{ labels: {}, value: 1 }], [{ labels: {}, value: 1.0000001 }], false],
    ['-0 and 0', [{ labels: {}, value: -0 }], [{ labels: {}, value: 0 }], true],
    ['NaN and NaN, unequal as in promtool 2.42', [{ labels: {}, value: Number.NaN }], [{ labels: {}, value: Number.NaN }], false],
    ['Inf and Inf', [{ labels: {}, value: Infinity }], [{ labels: {}, value: Infinity }], true],
    ['no samples on both sides', [], [], true],
  ])('%s', (_, exp, got, want) => {
    expect(samplesEqual(exp, got)).toBe(want);
  });
});

describe('failure messages, as promtool prints them', () => {
  it('alerts: exp and got lists, sorted, indented', () => {
    // Captured from promtool 2.42 on alert_extra_series.test.yaml.
    const exp = [
      {
        labels: { alertname: 'SidecarMemoryHigh', job: 'runwarden', pod: 'runwarden-0', severity: 'warning' },
        annotations: { summary: 'runwarden-0 uses 768MiB' },
      },
    ];
    const got = [
      {
        labels: { alertname: 'SidecarMemoryHigh', job: 'runwarden', pod: 'runwarden-1', severity: 'warning' },
        annotations: { summary: 'runwarden-1 uses 1GiB' },
      },
      ...exp,
    ];
    expect(alertMismatchMessage('', 'SidecarMemoryHigh', 120_000, exp, got)).toBe(
      `    alertname: SidecarMemoryHigh, time: 2m, 
        exp:[
            0:
              Labels:{alertname="SidecarMemoryHigh", job="runwarden", pod="runwarden-0", severity="warning"}
              Annotations:{summary="runwarden-0 uses 768MiB"}
            ], 
        got:[
            0:
              Labels:{alertname="SidecarMemoryHigh", job="runwarden", pod="runwarden-0", severity="warning"}
              Annotations:{summary="runwarden-0 uses 768MiB"},
            1:
              Labels:{alertname="SidecarMemoryHigh", job="runwarden", pod="runwarden-1", severity="warning"}
              Annotations:{summary="runwarden-1 uses 1GiB"}
            ]`,
    );
  });

  it('alerts: names the test group when it has a name; an empty list is []', () => {
    expect(alertMismatchMessage('second', 'A', 60_000, [{ labels: { alertname: 'A' }, annotations: {} }], [])).toBe(
      `    name: second,
    alertname: A, time: 1m, 
        exp:[
            0:
              Labels:{alertname="A"}
              Annotations:{}
            ], 
        got:[]`,
    );
  });

  it('samples: exp and got on one line each, nil when empty', () => {
    // Captured from promtool 2.42 on promql_compare_without_bool.test.yaml and promql_stale_marker_value.test.yaml.
    expect(
      sampleMismatchMessage(
        'runwarden_phase:over_budget',
        180_000,
        [
          { labels: { __name__: 'runwarden_phase:over_budget', phase: 'testing', run_id: 'r-3' }, value: 1 },
          { labels: { __name__: 'runwarden_phase:over_budget', phase: 'planning', run_id: 'r-3' }, value: 0 },
        ],
        [{ labels: { __name__: 'runwarden_phase:over_budget', phase: 'testing', run_id: 'r-3' }, value: 1.25 }],
      ),
    ).toBe(`    expr: "runwarden_phase:over_budget", time: 3m,
        exp: {__name__="runwarden_phase:over_budget", phase="planning", run_id="r-3"} 0E+00, {__name__="runwarden_phase:over_budget", phase="testing", run_id="r-3"} 1E+00
        got: {__name__="runwarden_phase:over_budget", phase="testing", run_id="r-3"} 1.25E+00`);
    expect(sampleMismatchMessage('m', 240_000, [{ labels: { __name__: 'm' }, value: 2e8 }], [])).toBe(
      `    expr: "m", time: 4m,
        exp: {__name__="m"} 2E+08
        got: nil`,
    );
  });
});
