/**
 * The one registry of Runwarden's error classes. Every error has a stable `code`
 * (`RUNWARDEN_ERR_*`, like undici's `UND_ERR_*`) that callers and tests match on, never the message.
 * Modules that used to define some of these (src/rules/promql/errors.ts, src/rules/template/errors.ts,
 * src/rules/rule.ts, src/config/config-errors.ts, src/cli/args.ts, src/cli/client.ts) re-export them.
 * Errors a module throws and catches internally (parser signals with an offset, Go-style errors
 * inside the template engine) carry no code and stay private to their module.
 */
import type { TextPosition } from './rules/types.ts';

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

/**
 * ConfigErrors is every problem found in one load of the configuration. It IS a ConfigError (same
 * `code`, so callers that catch ConfigError keep working): its `message` and `position` are those
 * of the first problem, and `problems` holds all of them, sorted by file position, problems without
 * a position (environment, flags) last in the order found. `runwarden config check` prints one line
 * per entry of `problems`. `problems` is never empty.
 */
export class ConfigErrors extends ConfigError {
  readonly problems: readonly ConfigError[];
  constructor(problems: readonly ConfigError[]) {
    const sorted = sortByPosition(problems);
    const first = sorted[0];
    if (first === undefined) throw new RangeError('ConfigErrors needs at least one problem');
    super(problemText(first), first.position, { cause: first.cause });
    this.name = 'ConfigErrors';
    this.problems = sorted;
  }
}

// problemText recovers the bare problem from a ConfigError's `file:line:col: problem` message,
// whose format ConfigError fixes, so the aggregate can re-raise it with the same position.
function problemText(err: ConfigError): string {
  const p = err.position;
  return p ? err.message.slice(`${p.file}:${p.line}:${p.col}: `.length) : err.message;
}

// sortByPosition orders problems by file (in order of first appearance, so the config file comes
// before files it names), then line and column; position-less ones go last. The sort is stable, so
// ties keep the order they were found in.
function sortByPosition(problems: readonly ConfigError[]): ConfigError[] {
  const files = new Map<string, number>();
  for (const { position } of problems) if (position && !files.has(position.file)) files.set(position.file, files.size);
  const key = (p: Position | undefined): [number, number, number] =>
    p ? [files.get(p.file) ?? 0, p.line, p.col] : [Infinity, 0, 0];
  return [...problems].sort((a, b) => {
    const [ka, kb] = [key(a.position), key(b.position)];
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
  });
}

/**
 * UsageError is a bad command line: an unknown flag, a missing value, a malformed `--attr`. The
 * dispatcher prints its one-line message plus a pointer to the command's help and exits 2.
 * `command` names whose help to point at (undefined: the top-level help).
 */
export class UsageError extends RunwardenError {
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super('RUNWARDEN_ERR_USAGE', message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/**
 * SidecarUnreachableError is a call that got no HTTP answer: refused, timed out, reset. `reason`
 * is a short human phrase ("connection refused", "connect timeout") for one-line warnings.
 */
export class SidecarUnreachableError extends RunwardenError {
  readonly url: string;
  readonly reason: string;
  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super('RUNWARDEN_ERR_SIDECAR_UNREACHABLE', `sidecar at ${url} unreachable (${reason})`, options);
    this.name = 'SidecarUnreachableError';
    this.url = url;
    this.reason = reason;
  }
}

/**
 * SidecarHttpError is a non-2xx answer. `error` and `details` are the server's
 * `{error, details}` body when it sent one (`error` falls back to the status text otherwise).
 */
export class SidecarHttpError extends RunwardenError {
  readonly url: string;
  readonly status: number;
  readonly error: string;
  readonly details: unknown;
  constructor(url: string, status: number, error: string, details: unknown) {
    super('RUNWARDEN_ERR_SIDECAR_HTTP', `sidecar at ${url} answered HTTP ${status}: ${error}`);
    this.name = 'SidecarHttpError';
    this.url = url;
    this.status = status;
    this.error = error;
    this.details = details;
  }
}

/**
 * PromQLError is an expression refused at compile time: a syntax error, a type error (as
 * Prometheus' parser reports it), or a construct this engine does not support. `position` is the
 * 1-based line and column inside the expression text; `message` does not repeat it, so a caller
 * can prefix its own `file:line:col`.
 */
export class PromQLError extends RunwardenError {
  readonly position: TextPosition;
  /** offset is the 0-based character offset of `position` in the expression text. */
  readonly offset: number;
  constructor(message: string, position: TextPosition, offset: number) {
    super('RUNWARDEN_ERR_PROMQL', message);
    this.name = 'PromQLError';
    this.position = position;
    this.offset = offset;
  }
}

/**
 * PromQLEvalError is an evaluation that fails at run time, where Prometheus' engine fails too:
 * many-to-many matching, duplicate output series, an invalid label name in label_replace.
 */
export class PromQLEvalError extends RunwardenError {
  constructor(message: string) {
    super('RUNWARDEN_ERR_PROMQL_EVAL', message);
    this.name = 'PromQLEvalError';
  }
}

/** TemplatePhase says when a template failed: while parsing (load) or while rendering. */
export type TemplatePhase = 'parse' | 'execute';

/**
 * TemplateError is a rule template that did not parse (at load) or did not execute. `message` is
 * `NAME:LINE:COL: problem` with the position inside the template text as written (1-based, the
 * column in UTF-16 units); `goMessage` is the error exactly as Go's text/template words it inside
 * Prometheus (positions there count Prometheus's variable preamble, as Prometheus's do), so the
 * rule engine can print what Prometheus prints.
 */
export class TemplateError extends RunwardenError {
  readonly templateName: string;
  readonly phase: TemplatePhase;
  readonly position: TextPosition | undefined;
  /** Go's problem text without location, e.g. `function "foo" not defined`. */
  readonly problem: string;
  /** For execution errors, Go's rendering of the node being evaluated, e.g. `humanize "abc"`. */
  readonly context: string | undefined;
  readonly goMessage: string;

  constructor(init: {
    templateName: string;
    phase: TemplatePhase;
    position: TextPosition | undefined;
    problem: string;
    context?: string;
    goMessage: string;
  }) {
    const detail = init.context === undefined ? init.problem : `executing at <${init.context}>: ${init.problem}`;
    const where = init.position ? `${init.templateName}:${init.position.line}:${init.position.col}` : init.templateName;
    super('RUNWARDEN_ERR_TEMPLATE', `${where}: ${detail}`);
    this.name = 'TemplateError';
    this.templateName = init.templateName;
    this.phase = init.phase;
    this.position = init.position;
    this.problem = init.problem;
    this.context = init.context;
    this.goMessage = init.goMessage;
  }
}

/**
 * RuleEvalError is a rule evaluation Prometheus refuses after the query ran: more alerts or
 * series than the group's limit, duplicate label sets after the rule's labels, a result that is
 * not a vector. The group marks the rule unhealthy with its message and goes on.
 */
export class RuleEvalError extends RunwardenError {
  constructor(message: string) {
    super('RUNWARDEN_ERR_RULE_EVAL', message);
    this.name = 'RuleEvalError';
  }
}
