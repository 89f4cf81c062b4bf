/**
 * TemplateError: a rule template that does not parse (at load) or fails while rendering. Defined
 * in the registry (src/errors.ts); re-exported here for the template engine's importers.
 */
export { TemplateError } from '../../errors.ts';
export type { TemplatePhase } from '../../errors.ts';
