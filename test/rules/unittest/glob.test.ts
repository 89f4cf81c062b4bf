import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMatch, GlobPatternError, resolveRuleFiles } from '../../../src/rules/unittest/glob.ts';

describe('compileMatch (Go filepath.Match)', () => {
  it.each([
    ['*.yaml', 'a.yaml', true],
    ['*.yaml', '.hidden.yaml', true],
    ['a?.yml', 'ab.yml', true],
    ['a?.yml', 'a.yml', false],
    ['[a-c]x', 'bx', true],
    ['[^a-c]x', 'bx', false],
    ['[^a-c]x', 'dx', true],
    ['\\*', '*', true],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
  ])('%s against %s is %s', (pattern, name, want) => {
    expect(compileMatch(pattern).test(name)).toBe(want);
  });

  it.each(['[', '[]', 'a\\', '[a-]'])('refuses the malformed pattern %s', (pattern) => {
    expect(() => compileMatch(pattern)).toThrow(GlobPatternError);
  });
});

describe('resolveRuleFiles', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rw-glob-'));
    mkdirSync(join(dir, 'rules'));
    for (const f of ['rules/b.yaml', 'rules/a.yaml', 'rules/c.txt', 'top.yaml']) writeFileSync(join(dir, f), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('joins relative patterns to the test file directory and sorts matches', () => {
    const got = resolveRuleFiles(dir, ['rules/*.yaml', 'top.yaml', join(dir, 'rules', 'c.txt')]);
    expect(got).toEqual({
      files: [join(dir, 'rules/a.yaml'), join(dir, 'rules/b.yaml'), join(dir, 'top.yaml'), join(dir, 'rules/c.txt')],
      warnings: [],
    });
  });

  it('globs directories too', () => {
    expect(resolveRuleFiles(dir, ['r*/a.yaml']).files).toEqual([join(dir, 'rules/a.yaml')]);
  });

  it('warns, rather than fails, when a pattern or a plain file matches nothing', () => {
    const got = resolveRuleFiles(dir, ['missing.yaml', 'rules/*.json']);
    expect(got.files).toEqual([]);
    expect(got.warnings).toEqual([
      `no file match pattern ${join(dir, 'missing.yaml')}`,
      `no file match pattern ${join(dir, 'rules/*.json')}`,
    ]);
  });
});
