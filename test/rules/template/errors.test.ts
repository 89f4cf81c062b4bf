import { describe, expect, it } from 'vitest';
import { RunwardenError } from '../../../src/errors.ts';
import { compileTemplate, expandAlertTemplate, TemplateError } from '../../../src/rules/template/index.ts';
import { expansionFailure } from '../../../src/rules/template/errors.ts';
import type { TemplateData } from '../../../src/rules/types.ts';
import { PARSE_ERRORS } from './cases.ts';

const DATA: TemplateData = { labels: { job: 'api' }, value: 2e6, externalLabels: {}, externalURL: '' };

function compileError(text: string, name = 'T'): TemplateError {
  try {
    compileTemplate(text, name);
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to compile`);
}

function renderError(text: string, name = 'T'): TemplateError {
  const tpl = compileTemplate(text, name);
  try {
    tpl.render(DATA);
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail`);
}

describe('compile errors', () => {
  it.each([
    ['unclosed action', '{{ .Labels', { line: 1, col: 1 }, 'unclosed action'],
    ['undefined variable', 'ok\n  {{ $foo }}', { line: 2, col: 6 }, 'undefined variable "$foo"'],
    ['unknown function', 'x {{ foo 1 }}', { line: 1, col: 6 }, 'function "foo" not defined'],
    ['unexpected end', 'a {{ end }}', { line: 1, col: 3 }, 'unexpected {{end}}'],
    ['unexpected else', '{{ else }}', { line: 1, col: 1 }, 'unexpected {{else}}'],
    ['unclosed if', '{{ if 1 }}x', { line: 1, col: 12 }, 'unexpected EOF'],
    ['unclosed action over lines', 'a\n{{ 1\n\n', { line: 2, col: 1 }, 'unclosed action started at T:2'],
  ])('%s', (_name, text, position, problem) => {
    const e = compileError(text);
    expect(e).toBeInstanceOf(RunwardenError);
    expect(e.code).toBe('RUNWARDEN_ERR_TEMPLATE');
    expect(e.name).toBe('TemplateError');
    expect(e.phase).toBe('parse');
    expect(e.position).toEqual(position);
    expect(e.problem).toBe(problem);
    expect(e.message).toBe(`T:${position.line}:${position.col}: ${problem}`);
  });

  it('checks functions at compile time, even in branches never taken', () => {
    expect(compileError('{{ if false }}{{ humanise 1 }}{{ end }}').problem).toBe('function "humanise" not defined');
  });

  it.each(PARSE_ERRORS.map((c) => [c.template, c] as const))('%j', (_t, c) => {
    const e = compileError(c.template, '__alert_T');
    expect(e.goMessage).toBe(c.goMessage.replaceAll('NAME', '__alert_T'));
    expect(e.position).toEqual({ line: c.line, col: c.col });
  });
});

describe('execution errors', () => {
  it('an execution error throws TemplateError from render, with where and what', () => {
    const e = renderError('ok {{ humanize "abc" }}', '__alert_A');
    expect(e.code).toBe('RUNWARDEN_ERR_TEMPLATE');
    expect(e.phase).toBe('execute');
    expect(e.position).toEqual({ line: 1, col: 7 });
    expect(e.context).toBe('humanize "abc"');
    expect(e.problem).toBe('error calling humanize: strconv.ParseFloat: parsing "abc": invalid syntax');
    expect(e.message).toBe('__alert_A:1:7: executing at <humanize "abc">: error calling humanize: strconv.ParseFloat: parsing "abc": invalid syntax');
    // Go counts the preamble Prometheus prepends (112 bytes) and columns in bytes from 0.
    expect(e.goMessage).toBe(
      'template: __alert_A:1:118: executing "__alert_A" at <humanize "abc">: error calling humanize: strconv.ParseFloat: parsing "abc": invalid syntax',
    );
  });

  it.each([
    ['index out of range', '{{ index "abc" 5 }}', 'error calling index: index out of range: 5'],
    ['index of a map with a number', '{{ index $labels 1 }}', 'error calling index: value has type int; should be string'],
    ['int and float64 never compare', '{{ if gt $value 1 }}x{{ end }}', 'error calling gt: incompatible types for comparison'],
    ['wrong argument type', '{{ toUpper $value }}', 'wrong type for value; expected string; got float64'],
    ['missing field', '{{ .Nope }}', "can't evaluate field Nope in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }"],
    ['query without an engine', '{{ query "up" }}', 'error calling query: query: no query engine available to this template'],
    ['undefined template', '{{ template "x" }}', 'template "x" not defined'],
    ['bad regexp', '{{ reReplaceAll "(" "" "" }}', 'error calling reReplaceAll: regexp: Compile(`(`): error parsing regexp: missing closing ): `(`'],
  ])('%s', (_name, text, problem) => {
    expect(renderError(text).problem).toBe(problem);
  });

  it('an error inside a defined template names that template and points into the text as written', () => {
    const e = renderError('{{ define "d" }}\n  {{ humanize "q" }}{{ end }}{{ template "d" }}', '__alert_A');
    expect(e.position).toEqual({ line: 2, col: 6 });
    expect(e.goMessage).toBe('template: __alert_A:2:5: executing "d" at <humanize "q">: error calling humanize: strconv.ParseFloat: parsing "q": invalid syntax');
  });

  it('expandAlertTemplate writes what Prometheus writes into the annotation', () => {
    const tpl = compileTemplate('{{ $value | toUpper }}', '__alert_A');
    expect(expandAlertTemplate(tpl, DATA)).toBe(
      '<error expanding template: error executing template __alert_A: template: __alert_A:1:124: executing "__alert_A" at <toUpper>: wrong type for value; expected string; got float64>',
    );
    expect(expandAlertTemplate(compileTemplate('{{ $labels.job }}', '__alert_A'), DATA)).toBe('api');
  });

  it('expansionFailure writes any other error thrown while rendering as its message', () => {
    expect(expansionFailure(new TypeError('cannot read x'))).toBe('<error expanding template: cannot read x>');
  });

  it('tmpl returns the inner template\'s failure as its error, as Go does', () => {
    const e = renderError('{{ define "x" }}{{ humanize "q" }}{{ end }}{{ tmpl "x" 1 }}', '__alert_A');
    expect(e.problem).toBe(
      'error calling tmpl: template: __alert_A:1:131: executing "x" at <humanize "q">: error calling humanize: strconv.ParseFloat: parsing "q": invalid syntax',
    );
  });
});

describe('limits', () => {
  it('endless template recursion stops with an error', () => {
    const e = renderError('{{ define "r" }}x{{ template "r" }}{{ end }}{{ template "r" }}');
    expect(e.problem).toBe('exceeded maximum template depth (1000)');
  });

  it('parentheses nest at most 1000 deep', () => {
    const ok = `{{ ${'('.repeat(999)}1${')'.repeat(999)} }}`;
    expect(compileTemplate(ok, 'T').render(DATA)).toBe('1');
    expect(compileError(`{{ ${'('.repeat(1001)}1${')'.repeat(1001)} }}`).problem).toBe('max expression depth exceeded');
  });

  it('absurdly nested control structures are an error, not a crash', () => {
    const e = compileError(`${'{{ if 1 }}'.repeat(20000)}${'{{ end }}'.repeat(20000)}`);
    expect(e.problem).toBe('template nested too deeply');
  });
});
