/**
 * The routing tree, as Alertmanager's `config.Route` validates it and `dispatch.NewRoute` resolves
 * it: a child takes the receiver, `group_by` and the three intervals from its parent when it does
 * not set them (root defaults 30s / 5m / 4h); `active_time_intervals` and `mute_time_intervals`
 * are NOT inherited, as in Alertmanager. Ids are Alertmanager's `Route.ID()`.
 */
import type { Node } from 'yaml';
import type { Position } from '../../errors.ts';
import type { LabelMatcher, Route } from '../../pipeline/types.ts';
import { matchersString } from './matchers.ts';
import { readLabelNames, readMatchers } from './read-matchers.ts';
import type { Fields, Reader } from './reader.ts';
import { join } from './reader.ts';

/** DEFAULT_ROUTE holds Alertmanager's `DefaultRouteOpts`. */
export const DEFAULT_ROUTE = { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 4 * 3600_000 } as const;

/** Reference is a name used somewhere (a receiver, a time interval) and where, checked once everything is read. */
export interface Reference {
  name: string;
  where: Position;
  /** What refers: `route`, `escalations[0].steps[1]`. */
  what: string;
}

/** RawRoute is one route as written, before inheritance. */
export interface RawRoute {
  receiver?: string;
  matchers: LabelMatcher[];
  hasMatchers: boolean;
  continue: boolean;
  groupBy?: { all: boolean; labels: string[] };
  groupWaitMs?: number;
  groupIntervalMs?: number;
  repeatIntervalMs?: number;
  activeTimeIntervals: string[];
  muteTimeIntervals: string[];
  routes: RawRoute[];
  where: Position;
}

const ROUTE_FIELDS = [
  'receiver',
  'group_by',
  'match',
  'match_re',
  'matchers',
  'mute_time_intervals',
  'active_time_intervals',
  'continue',
  'routes',
  'group_wait',
  'group_interval',
  'repeat_interval',
];

/**
 * readRoute reads a route and its children, recording every receiver and time interval it names
 * in `refs` for the caller to check against the definitions.
 */
export function readRoute(r: Reader, node: Node | null, what: string, refs: { receivers: Reference[]; intervals: Reference[] }): RawRoute | undefined {
  const fields = r.fields(node, what, ROUTE_FIELDS, ['labels']);
  if (fields === undefined || node === null) return undefined;
  // An empty receiver is an unset one, as in Alertmanager: the route inherits its parent's.
  const receiver = r.string(fields, 'receiver', what) || undefined;
  if (receiver !== undefined) refs.receivers.push({ name: receiver, where: r.atField(fields.get('receiver')!), what });
  const { matchers, any } = readMatchers(r, fields, what, { matchers: 'matchers', match: 'match', matchRe: 'match_re' });
  const raw: RawRoute = {
    matchers,
    hasMatchers: any,
    continue: r.bool(fields, 'continue', what) ?? false,
    activeTimeIntervals: intervalNames(r, fields, 'active_time_intervals', what, refs.intervals),
    muteTimeIntervals: intervalNames(r, fields, 'mute_time_intervals', what, refs.intervals),
    routes: [],
    where: r.at(node),
  };
  if (receiver !== undefined) raw.receiver = receiver;
  const groupBy = readGroupBy(r, fields, what);
  if (groupBy) raw.groupBy = groupBy;
  const wait = r.duration(fields, 'group_wait', what, false);
  const interval = r.duration(fields, 'group_interval', what, true);
  const repeat = r.duration(fields, 'repeat_interval', what, true);
  if (wait !== undefined) raw.groupWaitMs = wait;
  if (interval !== undefined) raw.groupIntervalMs = interval;
  if (repeat !== undefined) raw.repeatIntervalMs = repeat;
  r.sequence(fields.get('routes'), join(what, 'routes')).forEach((child, i) => {
    const route = readRoute(r, child, `${what}.routes[${i}]`, refs);
    if (route) raw.routes.push(route);
  });
  return raw;
}

// readGroupBy: `['...']` groups by every label; `...` next to a name, or a name twice, is refused.
function readGroupBy(r: Reader, fields: Fields, what: string): RawRoute['groupBy'] {
  const list = readLabelNames(r, fields, 'group_by', what, ['...']);
  if (list === undefined) return undefined;
  const all = list.some((l) => l.value === '...');
  const labels = list.filter((l) => l.value !== '...');
  if (all && labels.length > 0) {
    r.report(`${join(what, 'group_by')}: cannot have wildcard group_by (\`...\`) and other labels at the same time`, r.atField(fields.get('group_by')!));
  }
  const seen = new Set<string>();
  for (const l of labels) {
    if (seen.has(l.value)) r.report(`${join(what, 'group_by')}: duplicated label ${JSON.stringify(l.value)} in group_by`, r.at(l.node));
    seen.add(l.value);
  }
  return { all, labels: [...seen] };
}

function intervalNames(r: Reader, fields: Fields, name: string, what: string, refs: Reference[]): string[] {
  const list = r.strings(fields, name, what) ?? [];
  for (const { value, node } of list) refs.push({ name: value, where: r.at(node), what: join(what, name) });
  return list.map((l) => l.value);
}

/** checkRoot applies Alertmanager's rules for the root route: a receiver, no matchers, no time intervals. */
export function checkRoot(r: Reader, root: RawRoute): void {
  if (root.receiver === undefined) r.report('route: root route must specify a default receiver', root.where);
  if (root.hasMatchers) r.report('route: root route must not have any matchers', root.where);
  if (root.muteTimeIntervals.length > 0) r.report('route: root route must not have any mute time intervals', root.where);
  if (root.activeTimeIntervals.length > 0) r.report('route: root route must not have any active time intervals', root.where);
}

/** resolveRoute applies inheritance from `parent` (undefined for the root) and computes ids, as `dispatch.NewRoute`. */
export function resolveRoute(raw: RawRoute, parent: Route | undefined, index: number): Route {
  const base = parent ?? {
    receiver: '',
    groupBy: { all: false, labels: [] },
    ...DEFAULT_ROUTE,
  };
  let groupBy = base.groupBy;
  if (raw.groupBy !== undefined) {
    // `group_by: ['...']` keeps the parent's label list and turns on "all"; a list turns it off.
    groupBy = raw.groupBy.all ? { all: true, labels: [...base.groupBy.labels] } : { all: false, labels: [...raw.groupBy.labels] };
  }
  const own = matchersString(raw.matchers);
  const route: Route = {
    id: parent === undefined ? own : `${parent.id}/${own}/${index}`,
    receiver: raw.receiver ?? base.receiver,
    matchers: raw.matchers,
    continue: raw.continue,
    groupBy,
    groupWaitMs: raw.groupWaitMs ?? base.groupWaitMs,
    groupIntervalMs: raw.groupIntervalMs ?? base.groupIntervalMs,
    repeatIntervalMs: raw.repeatIntervalMs ?? base.repeatIntervalMs,
    activeTimeIntervals: raw.activeTimeIntervals,
    muteTimeIntervals: raw.muteTimeIntervals,
    routes: [],
  };
  route.routes = raw.routes.map((child, i) => resolveRoute(child, route, i));
  return route;
}
