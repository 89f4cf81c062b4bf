/**
 * TemplateError: a rule template that does not parse (at load) or fails while rendering.
 */
import { RunwardenError } from '../../errors.ts';
import type { TextPosition } from '../types.ts';

/** TemplatePhase says when a template failed: while parsing (load) or while rendering. */
export type TemplatePhase = 'parse' | 'execute';

/**
 * TemplateError is a template that did not parse or did not execute. `message` is
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
