import type { Attributes, Meter, MetricOptions } from '@opentelemetry/api';

/** Cell is one attribute set's running total; the hot path increments `value` directly. */
export interface Cell {
  value: number;
  readonly attributes: Attributes;
}

/**
 * CounterCells is a monotonic counter for the per-event path. A synchronous SDK counter hashes
 * (sorts and stringifies) its attributes on every add; here a caller finds the cell of its key and
 * adds to a number, and an ObservableCounter reports every cell at collection. A key's attributes
 * are derived from it once, when its cell is made (`attributesOf`), so a call allocates nothing.
 * Exported exactly like a Counter (`..._total`, cumulative).
 */
export class CounterCells {
  readonly #cells = new Map<string, Cell>();
  readonly #attributesOf: (key: string) => Attributes;

  constructor(meter: Meter, name: string, options: MetricOptions, attributesOf: (key: string) => Attributes) {
    this.#attributesOf = attributesOf;
    meter.createObservableCounter(name, options).addCallback((result) => {
      for (const cell of this.#cells.values()) result.observe(cell.value, cell.attributes);
    });
  }

  /** cell returns the cell for `key`, making it the first time. */
  cell(key: string): Cell {
    let cell = this.#cells.get(key);
    if (!cell) this.#cells.set(key, (cell = { value: 0, attributes: this.#attributesOf(key) }));
    return cell;
  }
}
