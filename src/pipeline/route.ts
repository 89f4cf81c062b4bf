/**
 * Routing: which routes of the tree an alert goes to, as Alertmanager's `Route.Match`. A route
 * that matches tries its children in order; the first matching child wins unless it has
 * `continue: true`, in which case the next siblings are tried too. A route none of whose children
 * match takes the alert itself. Pure.
 */
import type { Labels } from '../rules/types.ts';
import { matchersMatch } from './matchers.ts';
import type { Route } from './types.ts';

/** matchRoutes returns the routes under (and including) `route` that take `labels`, in tree order; empty when `route` does not match. */
export function matchRoutes(route: Route, labels: Labels): Route[] {
  if (!matchersMatch(route.matchers, labels)) return [];
  const all: Route[] = [];
  for (const child of route.routes) {
    const matches = matchRoutes(child, labels);
    all.push(...matches);
    if (matches.length > 0 && !child.continue) break;
  }
  if (all.length === 0) all.push(route);
  return all;
}

/** walkRoutes calls `visit` for `route` and every route below it, depth first. */
export function walkRoutes(route: Route, visit: (r: Route) => void): void {
  visit(route);
  for (const child of route.routes) walkRoutes(child, visit);
}

/** groupLabelsOf picks the labels an alert is grouped by on `route` (all of them for `group_by: ['...']`). */
export function groupLabelsOf(route: Route, labels: Labels): Labels {
  if (route.groupBy.all) return { ...labels };
  const out: Record<string, string> = {};
  // Alertmanager keeps only the group_by labels the alert has; a missing one is not "".
  for (const name of route.groupBy.labels) if (labels[name] !== undefined) out[name] = labels[name];
  return out;
}
