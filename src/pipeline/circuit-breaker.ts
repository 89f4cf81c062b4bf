/**
 * A circuit breaker per delivery lane, so a dead endpoint is not hammered: it opens after
 * `failureThreshold` consecutive retryable failures, refuses every attempt for `resetMs`, then
 * lets exactly one probe through (half-open). The probe's success closes it; its failure opens it
 * again for another `resetMs`. Pure: time comes in as arguments.
 */

/** CircuitState is where a breaker is; the metric writes it as 0 closed, 1 half-open, 2 open. */
export type CircuitState = 'closed' | 'half-open' | 'open';

/** CIRCUIT_STATE_VALUE is the gauge value of each state (`runwarden_notifier_circuit_state`). */
export const CIRCUIT_STATE_VALUE: Readonly<Record<CircuitState, number>> = { closed: 0, 'half-open': 1, open: 2 };

/** CircuitOptions tune a breaker (DeliverySettings' `circuitFailures` and `circuitResetMs`). */
export interface CircuitOptions {
  failureThreshold: number;
  resetMs: number;
}

/** Admission is a breaker's answer to "may I send now?": yes, or not for `waitMs`. */
export type Admission = { allowed: true } | { allowed: false; waitMs: number };

/** CircuitBreaker tracks one lane's consecutive failures. The zero state is closed. */
export class CircuitBreaker {
  #options: CircuitOptions;
  #failures = 0;
  /** When the open circuit turns half-open; undefined while closed. */
  #openUntil: number | undefined;
  #probing = false;

  constructor(options: CircuitOptions) {
    this.#options = options;
  }

  /** configure takes new settings (a config reload); the current state is kept. */
  configure(options: CircuitOptions): void {
    this.#options = options;
  }

  /** state is the breaker's state at `now`. */
  state(now: number): CircuitState {
    if (this.#openUntil === undefined) return 'closed';
    return now < this.#openUntil ? 'open' : 'half-open';
  }

  /**
   * admit asks to make one attempt at `now`. Closed: yes. Open: no, until the reset time.
   * Half-open: yes for the first caller (the probe), no for anyone else until the probe's outcome
   * is recorded; they are told to wait a whole reset period, as they will be woken sooner by the
   * probe's outcome if it succeeds.
   */
  admit(now: number): Admission {
    const state = this.state(now);
    if (state === 'closed') return { allowed: true };
    if (state === 'open') return { allowed: false, waitMs: (this.#openUntil as number) - now };
    if (this.#probing) return { allowed: false, waitMs: this.#options.resetMs };
    this.#probing = true;
    return { allowed: true };
  }

  /** succeeded records an attempt the receiver answered (delivered, or refused for good): closes the circuit. */
  succeeded(): void {
    this.#failures = 0;
    this.#openUntil = undefined;
    this.#probing = false;
  }

  /** failed records a retryable failure at `now`: a failed probe, or the threshold reached, opens the circuit. */
  failed(now: number): void {
    this.#failures++;
    const probeFailed = this.#openUntil !== undefined;
    this.#probing = false;
    if (probeFailed || this.#failures >= this.#options.failureThreshold) this.#openUntil = now + this.#options.resetMs;
  }

  /** released gives back an admission that made no attempt (the outbox stopped): a half-open breaker may probe again. */
  released(): void {
    this.#probing = false;
  }
}
