import { describe, expect, it } from 'vitest';
import * as registry from '../../../src/errors.ts';
import * as promqlErrors from '../../../src/rules/promql/errors.ts';
import * as templateErrors from '../../../src/rules/template/errors.ts';
import * as rule from '../../../src/rules/rule.ts';
import * as configErrors from '../../../src/config/config-errors.ts';
import * as args from '../../../src/cli/args.ts';
import * as client from '../../../src/cli/client.ts';

// The error classes that moved into the registry: the old modules hand out the very same class
// (so `instanceof` holds whichever module an error was imported from), and each keeps its code.
const moved = [
  { name: 'PromQLError', old: promqlErrors.PromQLError, make: () => new registry.PromQLError('bad', { line: 1, col: 2 }, 1), code: 'RUNWARDEN_ERR_PROMQL', message: 'bad' },
  { name: 'PromQLEvalError', old: promqlErrors.PromQLEvalError, make: () => new registry.PromQLEvalError('many-to-many'), code: 'RUNWARDEN_ERR_PROMQL_EVAL', message: 'many-to-many' },
  {
    name: 'TemplateError',
    old: templateErrors.TemplateError,
    make: () => new registry.TemplateError({ templateName: 't', phase: 'execute', position: { line: 1, col: 4 }, problem: 'boom', context: 'x', goMessage: 'go' }),
    code: 'RUNWARDEN_ERR_TEMPLATE',
    message: 't:1:4: executing at <x>: boom',
  },
  { name: 'RuleEvalError', old: rule.RuleEvalError, make: () => new registry.RuleEvalError('exceeded limit'), code: 'RUNWARDEN_ERR_RULE_EVAL', message: 'exceeded limit' },
  {
    name: 'ConfigErrors',
    old: configErrors.ConfigErrors,
    make: () => new registry.ConfigErrors([new registry.ConfigError('second', { file: 'a.yml', line: 3, col: 1 }), new registry.ConfigError('first', { file: 'a.yml', line: 1, col: 5 })]),
    code: 'RUNWARDEN_ERR_CONFIG',
    message: 'a.yml:1:5: first',
  },
  { name: 'UsageError', old: args.UsageError, make: () => new registry.UsageError('unknown flag --x', 'run'), code: 'RUNWARDEN_ERR_USAGE', message: 'unknown flag --x' },
  {
    name: 'SidecarUnreachableError',
    old: client.SidecarUnreachableError,
    make: () => new registry.SidecarUnreachableError('http://127.0.0.1:1', 'connection refused'),
    code: 'RUNWARDEN_ERR_SIDECAR_UNREACHABLE',
    message: 'sidecar at http://127.0.0.1:1 unreachable (connection refused)',
  },
  {
    name: 'SidecarHttpError',
    old: client.SidecarHttpError,
    make: () => new registry.SidecarHttpError('http://127.0.0.1:1', 409, 'conflict', undefined),
    code: 'RUNWARDEN_ERR_SIDECAR_HTTP',
    message: 'sidecar at http://127.0.0.1:1 answered HTTP 409: conflict',
  },
];

describe('error registry', () => {
  it.each(moved)('$name is one class, in the registry and its old module, with its code', ({ name, old, make, code, message }) => {
    const err = make();
    expect(err).toBeInstanceOf(old);
    expect(registry.isRunwardenError(err)).toBe(true);
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
  });

  it('ConfigErrors keeps every problem, sorted by position, and is a ConfigError', () => {
    const err = moved.find((m) => m.name === 'ConfigErrors')?.make() as registry.ConfigErrors;
    expect(err).toBeInstanceOf(registry.ConfigError);
    expect(configErrors.configProblems(err).map((p) => p.message)).toEqual(['a.yml:1:5: first', 'a.yml:3:1: second']);
  });
});
