/**
 * TemplateError: a rule template that does not parse (at load) or fails while rendering. Defined
 * in the registry (src/errors.ts); re-exported here for the template engine's importers, with the
 * text a failed render leaves in an alert. Small on purpose: the rule model imports it without
 * loading the template engine.
 */
import { TemplateError } from '../../errors.ts';

export { TemplateError };
export type { TemplatePhase } from '../../errors.ts';

/**
 * expansionFailure is what Prometheus writes into a label or annotation whose template failed
 * to render, so the alert still goes out and says what is wrong: for a TemplateError,
 * `<error expanding template: error executing template NAME: GO MESSAGE>`; for anything else
 * thrown, its message in the same brackets.
 */
export function expansionFailure(err: unknown): string {
  if (err instanceof TemplateError) return `<error expanding template: error executing template ${err.templateName}: ${err.goMessage}>`;
  return `<error expanding template: ${err instanceof Error ? err.message : String(err)}>`;
}
