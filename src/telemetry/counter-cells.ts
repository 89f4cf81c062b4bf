import type { Attributes, Meter, MetricOptions } from '@opentelemetry/api';

/** Cell is one attribute set's running total; the hot path increments `value` directly. */
export interface Cell {
  value: number;
  readonly attributes: Attributes;
}

/**
 * CounterCells is a monotonic counter for the per-event path. A synchronous SDK counter hashes
 * (sorts and stringifies) its attributes on every add; here a caller keeps the cell of its
 * attribute set and adds to a number, and an ObservableCounter reports every cell at collection.
 * Exported exactly like a Counter (`..._total`, cumulative).
 */
export class CounterCells {
  readonly #cells = new Map<string, Cell>();

  constructor(meter: Meter, name: string, options: MetricOptions) {
    meter.createObservableCounter(name, options).addCallback((result) => {
      for (const cell of this.#cells.values()) result.observe(cell.value, cell.attributes);
    });
  }

  /** cell returns the cell for `key`, making it with `attributes()` the first time. */
  cell(key: string, attributes: () => Attributes): Cell {
    let cell = this.#cells.get(key);
    if (!cell) this.#cells.set(key, (cell = { value: 0, attributes: attributes() }));
    return cell;
  }
}
