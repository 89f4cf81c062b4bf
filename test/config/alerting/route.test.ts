/**
 * The routing tree: Alertmanager's defaults (30s / 5m / 4h), inheritance of receiver, group_by and
 * intervals (but not time intervals), group_by `...`, Route ids, and the root route's rules.
 */
import { describe, expect, it } from 'vitest';
import type { Route } from '../../../src/pipeline/types.ts';
import { parse, problems, yaml } from './parse-helper.ts';

const RECEIVERS = yaml('receivers: [{name: a}, {name: b}, {name: c}]', 'time_intervals: [{name: nights, time_intervals: []}, {name: weekends, time_intervals: []}]');

// flat lists every route depth-first with the settings a test compares.
function flat(route: Route): object[] {
  const { routes, matchers: _m, ...rest } = route;
  return [rest, ...routes.flatMap(flat)];
}

describe('route defaults and inheritance', () => {
  it('gives the root Alertmanager defaults and lets children inherit what they do not set', () => {
    const config = parse(
      yaml(
        'route:',
        '  receiver: a',
        '  group_by: [alertname]',
        '  routes:',
        '    - matchers: [team="x"]',
        '      group_wait: 10s',
        '      repeat_interval: 1h',
        '      mute_time_intervals: [nights]',
        '      routes:',
        '        - matchers: [severity="page"]',
        '          receiver: b',
        '          group_by: ["..."]',
        '        - matchers: [severity="info"]',
        '          group_by: []',
        '          group_interval: 1m',
        '          active_time_intervals: [weekends]',
        '    - receiver: c',
        '      continue: true',
        '      group_by: [job, instance]',
      ) + RECEIVERS,
    );
    expect(flat(config.route)).toEqual([
      {
        id: '{}',
        receiver: 'a',
        continue: false,
        groupBy: { all: false, labels: ['alertname'] },
        groupWaitMs: 30_000,
        groupIntervalMs: 300_000,
        repeatIntervalMs: 4 * 3600_000,
        activeTimeIntervals: [],
        muteTimeIntervals: [],
      },
      {
        id: '{}/{team="x"}/0',
        receiver: 'a',
        continue: false,
        groupBy: { all: false, labels: ['alertname'] },
        groupWaitMs: 10_000,
        groupIntervalMs: 300_000,
        repeatIntervalMs: 3600_000,
        activeTimeIntervals: [],
        muteTimeIntervals: ['nights'],
      },
      {
        id: '{}/{team="x"}/0/{severity="page"}/0',
        receiver: 'b',
        continue: false,
        groupBy: { all: true, labels: ['alertname'] },
        groupWaitMs: 10_000,
        groupIntervalMs: 300_000,
        repeatIntervalMs: 3600_000,
        activeTimeIntervals: [],
        // Time intervals are not inherited (dispatch.NewRoute sets them from the child alone).
        muteTimeIntervals: [],
      },
      {
        id: '{}/{team="x"}/0/{severity="info"}/1',
        receiver: 'a',
        continue: false,
        groupBy: { all: false, labels: [] },
        groupWaitMs: 10_000,
        groupIntervalMs: 60_000,
        repeatIntervalMs: 3600_000,
        activeTimeIntervals: ['weekends'],
        muteTimeIntervals: [],
      },
      {
        id: '{}/{}/1',
        receiver: 'c',
        continue: true,
        groupBy: { all: false, labels: ['job', 'instance'] },
        groupWaitMs: 30_000,
        groupIntervalMs: 300_000,
        repeatIntervalMs: 4 * 3600_000,
        activeTimeIntervals: [],
        muteTimeIntervals: [],
      },
    ]);
  });

  it('treats an empty receiver as unset, inheriting the parent\'s', () => {
    const config = parse(yaml('route:', '  receiver: a', '  routes: [{receiver: "", matchers: [x="1"]}]') + RECEIVERS);
    expect(config.route.routes[0]?.receiver).toBe('a');
  });

  it('keeps ids stable across reloads of the same tree', () => {
    const text = yaml('route:', '  receiver: a', '  routes:', '    - {receiver: b, matchers: [x="1"]}', '    - {receiver: c, match: {x: "2"}}') + RECEIVERS;
    const ids = (r: Route): string[] => [r.id, ...r.routes.flatMap(ids)];
    expect(ids(parse(text).route)).toEqual(ids(parse(text).route));
    expect(ids(parse(text).route)).toEqual(['{}', '{}/{x="1"}/0', '{}/{x="2"}/1']);
  });

  it('reads YAML 1.1 booleans as Alertmanager (yaml.v2) does', () => {
    const config = parse(yaml('route:', '  receiver: a', '  routes: [{continue: yes}, {continue: off}, {continue: On}, {continue: n}]') + RECEIVERS);
    expect(config.route.routes.map((r) => r.continue)).toEqual([true, false, true, false]);
  });

  it('applies YAML merge keys, as Alertmanager\'s yaml.v2 does: own keys win, then earlier merges', () => {
    const routes = parse(
      yaml(
        'route:',
        '  receiver: a',
        '  routes:',
        '    - &fast {group_wait: 5s, group_interval: 1m, receiver: c}',
        '    - <<: *fast',
        '      group_wait: 1s',
        '      receiver: b',
        '    - <<: [*fast, {repeat_interval: 2h, group_wait: 9s}]',
      ) + RECEIVERS,
    ).route.routes;
    expect(routes.map((r) => [r.receiver, r.groupWaitMs, r.groupIntervalMs, r.repeatIntervalMs])).toEqual([
      ['c', 5000, 60_000, 4 * 3600_000],
      ['b', 1000, 60_000, 4 * 3600_000],
      ['c', 5000, 60_000, 2 * 3600_000],
    ]);
    expect(problems(yaml('route:', '  receiver: a', '  routes: [{<<: 1}]') + RECEIVERS)).toEqual(['am.yml:3:17: route.routes[0]: << must merge a mapping or a list of mappings']);
  });

  it('lets a child of a `...` route go back to a label list', () => {
    const config = parse(yaml('route:', '  receiver: a', '  group_by: ["..."]', '  routes:', '    - {group_by: [job]}', '    - {}') + RECEIVERS);
    expect(config.route.groupBy).toEqual({ all: true, labels: [] });
    expect(config.route.routes.map((r) => r.groupBy)).toEqual([
      { all: false, labels: ['job'] },
      { all: true, labels: [] },
    ]);
  });
});

describe('route validation', () => {
  it.each([
    { name: 'no route', text: 'global: {}\n', want: ['am.yml:1:1: no routes provided: the alerting section needs a route'] },
    { name: 'root without receiver', text: yaml('route:', '  group_wait: 1s'), want: ['am.yml:2:3: route: root route must specify a default receiver'] },
    { name: 'root with an empty receiver', text: yaml('route:', '  receiver: ""'), want: ['am.yml:2:3: route: root route must specify a default receiver'] },
    { name: 'root with matchers', text: yaml('route:', '  receiver: a', '  matchers: [x="y"]'), want: ['am.yml:2:3: route: root route must not have any matchers'] },
    { name: 'root with match', text: yaml('route:', '  receiver: a', '  match: {x: y}'), want: ['am.yml:2:3: route: root route must not have any matchers'] },
    { name: 'root with mute intervals', text: yaml('route:', '  receiver: a', '  mute_time_intervals: [nights]'), want: ['am.yml:2:3: route: root route must not have any mute time intervals'] },
    { name: 'root with active intervals', text: yaml('route:', '  receiver: a', '  active_time_intervals: [nights]'), want: ['am.yml:2:3: route: root route must not have any active time intervals'] },
    {
      name: 'undefined receiver',
      text: yaml('route:', '  receiver: a', '  routes:', '    - receiver: nobody'),
      want: ['am.yml:4:17: route.routes[0]: undefined receiver "nobody" used'],
    },
    {
      name: 'undefined time interval',
      text: yaml('route:', '  receiver: a', '  routes:', '    - mute_time_intervals: [nights, never]'),
      want: ['am.yml:4:37: route.routes[0].mute_time_intervals: undefined time interval "never" used in route'],
    },
    {
      name: 'group_by with ... and a label',
      text: yaml('route:', '  receiver: a', '  group_by: ["...", job]'),
      want: ['am.yml:3:13: route.group_by: cannot have wildcard group_by (`...`) and other labels at the same time'],
    },
    { name: 'group_by twice', text: yaml('route:', '  receiver: a', '  group_by: [job, job]'), want: ['am.yml:3:19: route.group_by: duplicated label "job" in group_by'] },
    { name: 'group_by bad name', text: yaml('route:', '  receiver: a', '  group_by: [a-b]'), want: ['am.yml:3:14: route.group_by: invalid label name "a-b"'] },
    { name: 'zero group_interval', text: yaml('route:', '  receiver: a', '  group_interval: 0s'), want: ['am.yml:3:19: route.group_interval: cannot be zero'] },
    { name: 'zero repeat_interval', text: yaml('route:', '  receiver: a', '  repeat_interval: 0m'), want: ['am.yml:3:20: route.repeat_interval: cannot be zero'] },
    { name: 'bad duration', text: yaml('route:', '  receiver: a', '  group_wait: soon'), want: ['am.yml:3:15: route.group_wait: "soon" is not a duration (like 30s, 5m, 4h, 1d)'] },
    { name: 'continue not a bool', text: yaml('route:', '  receiver: a', '  routes: [{continue: maybe}]'), want: ['am.yml:3:23: route.routes[0].continue: must be true or false'] },
    { name: 'continue quoted', text: yaml('route:', '  receiver: a', '  routes: [{continue: "true"}]'), want: ['am.yml:3:23: route.routes[0].continue: must be true or false'] },
    { name: 'unknown field', text: yaml('route:', '  receiver: a', '  recevier: b'), want: ['am.yml:3:3: route: unknown field "recevier" (did you mean "receiver"?)'] },
    { name: 'route labels (newer Alertmanager)', text: yaml('route:', '  receiver: a', '  labels: {x: y}'), want: ['am.yml:3:3: route: "labels" is an Alertmanager field Runwarden does not support'] },
  ])('$name', ({ text, want }) => {
    expect(problems(text + RECEIVERS)).toEqual(want);
  });

  it('reports every problem of the tree at once, in file order', () => {
    const text = yaml('route:', '  group_wait: x', '  routes:', '    - receiver: ghost', '    - group_interval: 0s') + RECEIVERS;
    expect(problems(text)).toEqual([
      'am.yml:2:3: route: root route must specify a default receiver',
      'am.yml:2:15: route.group_wait: "x" is not a duration (like 30s, 5m, 4h, 1d)',
      'am.yml:4:17: route.routes[0]: undefined receiver "ghost" used',
      'am.yml:5:23: route.routes[1].group_interval: cannot be zero',
    ]);
  });
});
