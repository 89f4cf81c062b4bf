/**
 * PARSE_ONLY names the panels ("file: panel title") whose queries may come back empty from the
 * demo's Prometheus: the delivery panels, over series (issue 5) the sidecar does not serve until
 * delivery is wired into it. They must still parse, and delivery-names.test.ts checks that they read
 * what the delivery producers export. Parse-only until delivery exists: once the sidecar serves the
 * delivery metrics, empty this set (the lead's step).
 */
export const PARSE_ONLY: ReadonlySet<string> = new Set([
  'alerts-and-delivery.json: Notifications sent per minute by receiver',
  'alerts-and-delivery.json: Failed delivery attempts per minute',
  'alerts-and-delivery.json: Delivery latency p50 / p95 by receiver',
  'alerts-and-delivery.json: Outbox depth',
  'alerts-and-delivery.json: Dead letters',
  'alerts-and-delivery.json: New dead letters',
  'alerts-and-delivery.json: Circuit breakers',
  'alerts-and-delivery.json: Silences and muted alerts',
]);
