/**
 * The one registry of Runwarden's error classes. Every error has a stable `code`
 * (`RUNWARDEN_ERR_*`, like undici's `UND_ERR_*`) that callers and tests match on, never the message.
 */

/** RunwardenError is the base of every error Runwarden throws on purpose. */
export class RunwardenError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunwardenError';
    this.code = code;
  }
}

/** Position names where in a file a problem is: 1-based line and column. */
export interface Position {
  file: string;
  line: number;
  col: number;
}

/**
 * ConfigError is a bad configuration: a file that does not parse or does not validate, a bad
 * environment variable or flag. `message` is one line, `file:line:col: problem` when the problem
 * has a place in a file.
 */
export class ConfigError extends RunwardenError {
  readonly position: Position | undefined;
  constructor(problem: string, position?: Position, options?: { cause?: unknown }) {
    super(
      'RUNWARDEN_ERR_CONFIG',
      position ? `${position.file}:${position.line}:${position.col}: ${problem}` : problem,
      options,
    );
    this.name = 'ConfigError';
    this.position = position;
  }
}

/** One problem with one field of an input: `path` is a JSON pointer-like path (`/phases/0/name`). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** ValidationError is bad input: answered with HTTP 400 and every problem found. */
export class ValidationError extends RunwardenError {
  readonly details: FieldProblem[];
  readonly statusCode = 400;
  constructor(details: FieldProblem[]) {
    super('RUNWARDEN_ERR_VALIDATION', details.map((d) => `${d.path || '/'}: ${d.message}`).join('; '));
    this.name = 'ValidationError';
    this.details = details;
  }
}

/** NotFoundError is an event or query for a run the sidecar does not know: HTTP 404. */
export class NotFoundError extends RunwardenError {
  readonly statusCode = 404;
  constructor(message: string) {
    super('RUNWARDEN_ERR_NOT_FOUND', message);
    this.name = 'NotFoundError';
  }
}

/**
 * ConflictError is a transition that makes no sense in the run's current state (finishing a phase
 * that never started, a second different finish): HTTP 409. Nothing changes.
 */
export class ConflictError extends RunwardenError {
  readonly statusCode = 409;
  constructor(message: string) {
    super('RUNWARDEN_ERR_CONFLICT', message);
    this.name = 'ConflictError';
  }
}

/** UnauthorizedError is a call without the configured bearer token: HTTP 401. */
export class UnauthorizedError extends RunwardenError {
  readonly statusCode = 401;
  constructor() {
    super('RUNWARDEN_ERR_UNAUTHORIZED', 'missing or wrong bearer token');
    this.name = 'UnauthorizedError';
  }
}

/** isRunwardenError tells whether `err` is one of ours and so safe to show its message. */
export function isRunwardenError(err: unknown): err is RunwardenError {
  return err instanceof RunwardenError;
}

/**
 * StoreError is a store that cannot be opened (corrupt, newer schema, read-only, disk full):
 * the start fails with its one-line message and exit 2, and nothing on disk is changed.
 */
export class StoreError extends RunwardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RUNWARDEN_ERR_STORE', message, options);
    this.name = 'StoreError';
  }
}

/**
 * StoreUnavailableError is a write the store could not make while running (the disk filled up):
 * HTTP 503 with the reason. Nothing was acknowledged; the client retries.
 */
export class StoreUnavailableError extends RunwardenError {
  readonly statusCode = 503;
  constructor(message: string, options?: { cause?: unknown }) {
    super('RUNWARDEN_ERR_STORE_UNAVAILABLE', message, options);
    this.name = 'StoreUnavailableError';
  }
}
