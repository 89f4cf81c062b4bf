/**
 * The PromQL engine's errors: PromQLError and PromQLEvalError are defined in the registry
 * (src/errors.ts) and re-exported here; the parser's internal ParseFailure and positionAt stay.
 */
import type { TextPosition } from '../types.ts';

export { PromQLError, PromQLEvalError } from '../../errors.ts';

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
