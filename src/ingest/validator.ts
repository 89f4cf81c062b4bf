import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { FieldProblem } from '../errors.ts';

/**
 * The one Ajv instance of the ingest API: fastify compiles route schemas with it, and
 * `/v1/events` validates each event with it. No type coercion and no removal of unknown fields
 * (fastify's defaults): `"5"` is not a number and a misspelt field is an error that names it.
 */
export const ajv = new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: false, strict: false });

/** compile compiles a schema once; callers keep the function. */
export function compile(schema: object): ValidateFunction {
  return ajv.compile(schema);
}

/** toProblems turns Ajv errors into `{path, message}` problems, `base` prefixing each path. */
export function toProblems(errors: readonly ErrorObject[] | null | undefined, base = ''): FieldProblem[] {
  if (!errors) return [];
  const problems: FieldProblem[] = [];
  for (const e of errors) {
    // anyOf reports each branch's failure and then itself; the branches say nothing a user needs.
    if (e.keyword === 'anyOf') continue;
    let path = `${base}${e.instancePath}`;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') path += `/${(e.params as { missingProperty: string }).missingProperty}`;
    if (e.keyword === 'required') message = 'is required';
    if (e.keyword === 'additionalProperties') {
      path += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
      message = 'is not a known field';
    }
    if (e.keyword === 'enum') message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    if (problems.some((p) => p.path === path)) continue;
    problems.push({ path, message });
  }
  if (problems.length === 0 && errors.length > 0) {
    const e = errors[0] as ErrorObject;
    problems.push({ path: `${base}${e.instancePath}`, message: e.message ?? 'is invalid' });
  }
  return problems;
}
