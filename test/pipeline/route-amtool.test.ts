/**
 * Routing against the real thing: the same trees, written as Alertmanager configuration, asked of
 * `amtool config routes test` (Alertmanager's own route matching) for a spread of label sets; the
 * receivers, in order, must be the same as matchRoutes gives.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { matchRoutes } from '../../src/pipeline/route.ts';
import { requirePeer } from '../helpers/peers.ts';
import { buildRoute } from './pipeline-fakes.ts';
import type { RouteSpec } from './pipeline-fakes.ts';

const amtool = requirePeer('amtool');
const dir = mkdtempSync(join(tmpdir(), 'runwarden-amtool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function toAlertmanager(spec: RouteSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (spec.receiver !== undefined) out['receiver'] = spec.receiver;
  if (spec.matchers !== undefined) out['matchers'] = spec.matchers;
  if (spec.continue) out['continue'] = true;
  if (spec.routes !== undefined) out['routes'] = spec.routes.map(toAlertmanager);
  return out;
}

function receiversOf(spec: RouteSpec): string[] {
  return [...new Set([spec.receiver, ...(spec.routes ?? []).flatMap(receiversOf)].filter((r): r is string => r !== undefined))];
}

const TREES: Record<string, RouteSpec> = {
  'route_test.go': {
    receiver: 'notify-def',
    routes: [
      {
        matchers: ['owner="team-A"'],
        receiver: 'notify-A',
        routes: [
          { matchers: ['env="testing"'], receiver: 'notify-testing' },
          { matchers: ['env="production"'], receiver: 'notify-productionA', continue: true },
          { matchers: ['env=~"produ.*"', 'job=~".*"'], receiver: 'notify-productionB' },
        ],
      },
      { matchers: ['owner=~"team-(B|C)"'], receiver: 'notify-BC' },
      { matchers: ['group_by="role"'], routes: [{ matchers: ['env="testing"'], receiver: 'notify-testing', routes: [{ matchers: ['wait="long"'] }] }] },
    ],
  },
  'docs and the business-hours split': {
    receiver: 'default-receiver',
    routes: [
      { receiver: 'database-pager', matchers: ['service=~"mysql|cassandra"'] },
      { receiver: 'frontend-pager', matchers: ['team="frontend"'] },
      { receiver: 'dev-pager', matchers: ['service="inhouse-service"'], continue: true },
      { receiver: 'on-call-pager', matchers: ['service="inhouse-service"'] },
      { receiver: 'slack', matchers: ['severity="critical"', 'team!="frontend"'], continue: true },
      { receiver: 'pagerduty', matchers: ['severity="critical"'] },
      { receiver: 'nothing-empty', matchers: ['env!~".+"', 'severity="info"'] },
    ],
  },
};

const LABEL_SETS: Record<string, string>[] = [
  {},
  { owner: 'team-A' },
  { owner: 'team-A', env: 'testing' },
  { owner: 'team-A', env: 'production' },
  { owner: 'team-A', env: 'producing', job: 'x' },
  { owner: 'team-A', env: 'production-eu' },
  { owner: 'team-B' },
  { owner: 'team-C', env: 'production' },
  { owner: 'team-BC' },
  { group_by: 'role' },
  { group_by: 'role', env: 'testing' },
  { group_by: 'role', env: 'testing', wait: 'long' },
  { service: 'mysql', team: 'frontend' },
  { service: 'cassandra' },
  { service: 'mysql2' },
  { team: 'frontend', severity: 'critical' },
  { service: 'inhouse-service' },
  { severity: 'critical' },
  { severity: 'critical', team: 'data' },
  { severity: 'info' },
  { severity: 'info', env: 'prod' },
];

describe.skipIf(!amtool).each(Object.entries(TREES))('matchRoutes agrees with amtool on the %s tree', (name, spec) => {
  const file = join(dir, `${name.replace(/[^a-z]+/g, '-')}.yml`);
  writeFileSync(file, stringify({ route: toAlertmanager(spec), receivers: receiversOf(spec).map((n) => ({ name: n })) }));
  const route = buildRoute(spec);
  it.each(LABEL_SETS)('%j', (labels) => {
    const args = ['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
    const answer = execFileSync(amtool!, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    expect(matchRoutes(route, labels).map((r) => r.receiver).join(',')).toBe(answer);
  });
});
