import { describe, expect, it } from 'vitest';
import { compileTemplate, expandAlertTemplate } from '../../../src/rules/template/index.ts';
import type { TemplateData } from '../../../src/rules/types.ts';
import { QUERY_CASES, fakeQuery } from './query-cases.ts';

const DATA: TemplateData = { labels: {}, value: 1, externalLabels: {}, externalURL: '' };

describe('query and the functions over its results', () => {
  it.each(QUERY_CASES)('%s', (text, want) => {
    const tpl = compileTemplate(text, '__alert_Q', { query: fakeQuery });
    expect(expandAlertTemplate(tpl, DATA)).toBe(want.replaceAll('NAME', '__alert_Q'));
  });

  it('a query function given at render time wins over the compile-time one', () => {
    const tpl = compileTemplate('{{ query "up" | first | value }}', 'q', { query: () => [{ labels: {}, value: 1 }] });
    expect(tpl.render(DATA)).toBe('1');
    expect(tpl.render(DATA, { query: () => [{ labels: {}, value: 2 }] })).toBe('2');
  });

  it('without a query function, query is an execution error, not a compile error', () => {
    const tpl = compileTemplate('{{ if false }}{{ query "up" }}{{ end }}ok', 'q');
    expect(tpl.render(DATA)).toBe('ok');
    expect(() => compileTemplate('{{ query "up" }}', 'q').render(DATA)).toThrow('error calling query: query: no query engine available to this template');
  });
});
