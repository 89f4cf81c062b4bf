import type { Receiver } from './types.ts';

/**
 * integrationKeys names a receiver's integrations as the pipeline, the outbox and the notifiers
 * agree on: `kind/index`, the index counted per kind (Alertmanager's `webhook[0]`), in the
 * receiver's order.
 */
export function integrationKeys(receiver: Receiver): string[] {
  const perKind = new Map<string, number>();
  return receiver.integrations.map((i) => {
    const index = perKind.get(i.kind) ?? 0;
    perKind.set(i.kind, index + 1);
    return `${i.kind}/${index}`;
  });
}
