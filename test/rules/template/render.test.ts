import { describe, expect, it } from 'vitest';
import { compileTemplate, expandAlertTemplate } from '../../../src/rules/template/index.ts';
import type { TemplateData } from '../../../src/rules/types.ts';
import { FIXTURE, RENDER_CASES, type RenderCase } from './cases.ts';

const NAME = '__alert_T';

function dataFor(c: RenderCase): TemplateData {
  return { ...FIXTURE, labels: c.labels ?? FIXTURE.labels, value: c.value ?? FIXTURE.value };
}

describe('compileTemplate renders as Prometheus does', () => {
  for (const [group, cases] of RENDER_CASES) {
    describe(group, () => {
      it.each(cases.map((c) => [c.value === undefined ? c.template : `${c.template} (value ${c.value})`, c] as const))('%s', (_title, c) => {
        const tpl = compileTemplate(c.template, NAME);
        expect(expandAlertTemplate(tpl, dataFor(c), { nowMs: 1_700_000_000_000 })).toBe(c.want.replaceAll('NAME', NAME));
      });
    });
  }
});

describe('CompiledTemplate', () => {
  it('keeps its text and name, and renders many times with different data', () => {
    const tpl = compileTemplate('{{ $labels.job }} at {{ $value }}', '__alert_Up');
    expect(tpl.text).toBe('{{ $labels.job }} at {{ $value }}');
    expect(tpl.name).toBe('__alert_Up');
    expect(tpl.render({ labels: { job: 'a' }, value: 1, externalLabels: {}, externalURL: '' })).toBe('a at 1');
    expect(tpl.render({ labels: { job: 'b' }, value: 0.5, externalLabels: {}, externalURL: '' })).toBe('b at 0.5');
  });

  it('without the preamble, only dot is defined', () => {
    const data: TemplateData = { labels: { job: 'a' }, value: 3, externalLabels: {}, externalURL: '' };
    expect(compileTemplate('{{ .Labels.job }} {{ .Value }}', 'raw', { preamble: false }).render(data)).toBe('a 3');
    expect(() => compileTemplate('{{ $value }}', 'raw', { preamble: false })).toThrow('undefined variable "$value"');
  });

  it('now reads the evaluation time from the render environment', () => {
    const tpl = compileTemplate('{{ now }}|{{ now | humanizeTimestamp }}', 'n');
    const data: TemplateData = { labels: {}, value: 0, externalLabels: {}, externalURL: '' };
    expect(tpl.render(data, { nowMs: 1_700_000_000_500 })).toBe('1.7000000005e+09|2023-11-14 22:13:20.5 +0000 UTC');
  });

  it('externalURL and pathPrefix come from the data', () => {
    const tpl = compileTemplate('{{ externalURL }}|{{ pathPrefix }}|{{ $externalURL }}', 'u');
    expect(tpl.render({ labels: {}, value: 0, externalLabels: {}, externalURL: 'https://prom.example.com/sub%20dir/' })).toBe(
      'https://prom.example.com/sub%20dir/|/sub dir/|https://prom.example.com/sub%20dir/',
    );
  });
});
