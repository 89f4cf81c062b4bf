/**
 * Routing, with the tree of Alertmanager's `dispatch/route_test.go` (TestRouteMatch) and the
 * example of its configuration docs: first match wins, `continue` fans out, a route whose
 * children all miss takes the alert itself, settings inherit, and `group_by` picks group labels.
 */
import { describe, expect, it } from 'vitest';
import { groupLabelsOf, matchRoutes } from '../../src/pipeline/route.ts';
import { buildRoute, MINUTE, SECOND } from './pipeline-fakes.ts';

const tree = buildRoute({
  receiver: 'notify-def',
  routes: [
    {
      matchers: ['owner="team-A"'],
      receiver: 'notify-A',
      routes: [
        { matchers: ['env="testing"'], receiver: 'notify-testing', groupBy: ['...'] },
        { matchers: ['env="production"'], receiver: 'notify-productionA', groupWaitMs: MINUTE, continue: true },
        { matchers: ['env=~"produ.*"', 'job=~".*"'], receiver: 'notify-productionB', groupWaitMs: 30 * SECOND, groupIntervalMs: 5 * MINUTE, repeatIntervalMs: 60 * MINUTE, groupBy: ['job'] },
      ],
    },
    { matchers: ['owner=~"team-(B|C)"'], groupBy: ['foo', 'bar'], groupWaitMs: 2 * MINUTE, receiver: 'notify-BC' },
    {
      matchers: ['group_by="role"'],
      groupBy: ['role'],
      routes: [{ matchers: ['env="testing"'], receiver: 'notify-testing', routes: [{ matchers: ['wait="long"'], groupWaitMs: 2 * MINUTE }] }],
    },
  ],
});

describe('matchRoutes (Alertmanager TestRouteMatch)', () => {
  it.each([
    ['owner=team-A only matches the team-A route', { owner: 'team-A' }, [['notify-A', 30 * SECOND]]],
    ['an unmatched env keeps the parent', { owner: 'team-A', env: 'unset' }, [['notify-A', 30 * SECOND]]],
    ['a regexp route', { owner: 'team-C' }, [['notify-BC', 2 * MINUTE]]],
    ['continue fans out to the next sibling', { owner: 'team-A', env: 'production' }, [['notify-productionA', MINUTE], ['notify-productionB', 30 * SECOND]]],
    ['first match wins without continue', { owner: 'team-A', env: 'testing' }, [['notify-testing', 30 * SECOND]]],
    ['nothing below matches: the root', { foo: 'bar' }, [['notify-def', 30 * SECOND]]],
    ['inherits the receiver of the root', { group_by: 'role' }, [['notify-def', 30 * SECOND]]],
    ['nested route', { group_by: 'role', env: 'testing' }, [['notify-testing', 30 * SECOND]]],
    ['deepest route with its own group_wait, inheriting the receiver', { group_by: 'role', env: 'testing', wait: 'long' }, [['notify-testing', 2 * MINUTE]]],
  ])('%s', (_name, labels, expected) => {
    expect(matchRoutes(tree, labels).map((r) => [r.receiver, r.groupWaitMs])).toEqual(expected);
  });

  it('a route whose own matchers fail returns nothing', () => {
    expect(matchRoutes(tree.routes[0]!, { owner: 'team-B' })).toEqual([]);
  });
});

describe('docs example: business hours split by time intervals', () => {
  const docs = buildRoute({
    receiver: 'default-receiver',
    groupBy: ['cluster', 'alertname'],
    routes: [
      { receiver: 'database-pager', groupWaitMs: 10 * SECOND, matchers: ['service=~"mysql|cassandra"'] },
      { receiver: 'frontend-pager', groupBy: ['product', 'environment'], matchers: ['team="frontend"'] },
      { receiver: 'dev-pager', matchers: ['service="inhouse-service"'], muteTimeIntervals: ['offhours', 'holidays'], continue: true },
      { receiver: 'on-call-pager', matchers: ['service="inhouse-service"'], activeTimeIntervals: ['offhours', 'holidays'] },
    ],
  });

  it.each([
    [{ service: 'mysql' }, ['database-pager']],
    [{ service: 'cassandra', team: 'frontend' }, ['database-pager']],
    [{ service: 'mysql-replica' }, ['default-receiver']],
    [{ team: 'frontend' }, ['frontend-pager']],
    [{ service: 'inhouse-service' }, ['dev-pager', 'on-call-pager']],
  ])('%j goes to %j', (labels, expected) => {
    expect(matchRoutes(docs, labels).map((r) => r.receiver)).toEqual(expected);
  });
});

describe('groupLabelsOf', () => {
  const labels = { alertname: 'A', cluster: 'c1', env: 'prod', run_id: 'r1' };
  it.each([
    ['the group_by labels the alert has', ['cluster', 'alertname', 'missing'], { alertname: 'A', cluster: 'c1' }],
    ['no group_by: one group for everything', [], {}],
    ["'...': every label (no grouping)", ['...'], labels],
  ])('%s', (_name, groupBy, expected) => {
    expect(groupLabelsOf(buildRoute({ groupBy }), labels)).toEqual(expected);
  });
});
