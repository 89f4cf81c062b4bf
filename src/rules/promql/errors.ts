/**
 * The PromQL engine's errors. They live here rather than in src/errors.ts because only the engine
 * throws them; both extend RunwardenError and carry a stable code.
 */
import { RunwardenError } from '../../errors.ts';
import type { TextPosition } from '../types.ts';

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

/** positionAt converts a 0-based offset in `text` into a 1-based line and column. */
export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let col = 1;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return { line, col };
}

/**
 * ParseFailure is what the parser and checker throw internally, with a 0-based offset;
 * compilePromQL turns it into a PromQLError with a line and column.
 */
export class ParseFailure extends Error {
  readonly at: number;
  constructor(message: string, at: number) {
    super(message);
    this.at = at;
  }
}
