/**
 * `rule_files` resolution as promtool does it: each entry is joined to the test file's directory
 * unless absolute, then expanded with Go's `filepath.Glob` (`*`, `?`, `[a-z]`, `[^x]`, `\` escapes;
 * no `**`; matches sorted per directory). A pattern that matches nothing is a warning, not an
 * error: a misspelt rule file leaves the tests running with no rules, as in promtool.
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** GlobPatternError is a malformed pattern (Go's `filepath.ErrBadPattern`). */
export class GlobPatternError extends Error {
  constructor() {
    super('syntax error in pattern');
    this.name = 'GlobPatternError';
  }
}

/** ResolvedRuleFiles are the files the patterns matched, in order, and a warning per pattern that matched none. */
export interface ResolvedRuleFiles {
  files: string[];
  warnings: string[];
}

/** resolveRuleFiles expands `rule_files` relative to `baseDir`. Throws GlobPatternError on a malformed pattern. */
export function resolveRuleFiles(baseDir: string, patterns: readonly string[]): ResolvedRuleFiles {
  const files: string[] = [];
  const warnings: string[] = [];
  for (const raw of patterns) {
    const pattern = raw !== '' && !isAbsolute(raw) ? join(baseDir, raw) : raw;
    const matches = goGlob(pattern);
    if (matches.length === 0) warnings.push(`no file match pattern ${pattern}`);
    files.push(...matches);
  }
  return { files, warnings };
}

function hasMeta(path: string): boolean {
  return /[*?[\\]/.test(path);
}

/** goGlob is Go's `filepath.Glob` on a POSIX system. */
export function goGlob(pattern: string): string[] {
  if (!hasMeta(pattern)) {
    try {
      lstatSync(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  // filepath.Split: the directory keeps its trailing slash, which cleanGlobPath then drops.
  const slash = pattern.lastIndexOf('/');
  const file = pattern.slice(slash + 1);
  const rawDir = pattern.slice(0, slash + 1);
  const dir = rawDir === '' ? '.' : rawDir === '/' ? '/' : rawDir.slice(0, -1);
  const matcher = compileMatch(file);
  if (!hasMeta(dir)) return globDir(dir, matcher);
  const out: string[] = [];
  for (const d of goGlob(dir)) out.push(...globDir(d, matcher));
  return out;
}

function globDir(dir: string, matcher: RegExp): string[] {
  try {
    if (!statSync(dir).isDirectory()) return [];
    return readdirSync(dir)
      .sort()
      .filter((name) => matcher.test(name))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

/** compileMatch translates a Go `filepath.Match` pattern for one path element into a regexp. */
export function compileMatch(pattern: string): RegExp {
  let re = '';
  let i = 0;
  const escape = (ch: string) => ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '*') {
      re += '[^/]*';
      i++;
    } else if (ch === '?') {
      re += '[^/]';
      i++;
    } else if (ch === '\\') {
      if (i + 1 >= pattern.length) throw new GlobPatternError();
      re += escape(pattern[i + 1]!);
      i += 2;
    } else if (ch === '[') {
      i++;
      let cls = '';
      if (pattern[i] === '^') {
        cls += '^';
        i++;
      }
      let first = true;
      for (;;) {
        if (i >= pattern.length) throw new GlobPatternError();
        if (pattern[i] === ']' && !first) {
          i++;
          break;
        }
        first = false;
        let lo = pattern[i]!;
        if (lo === ']' || lo === '-') throw new GlobPatternError();
        if (lo === '\\') {
          i++;
          if (i >= pattern.length) throw new GlobPatternError();
          lo = pattern[i]!;
        }
        i++;
        cls += escape(lo);
        if (pattern[i] === '-') {
          i++;
          let hi = pattern[i];
          if (hi === undefined || hi === ']') throw new GlobPatternError();
          if (hi === '\\') {
            i++;
            hi = pattern[i];
            if (hi === undefined) throw new GlobPatternError();
          }
          i++;
          cls += `-${escape(hi)}`;
        }
      }
      re += `[${cls}]`;
    } else {
      re += escape(ch);
      i++;
    }
  }
  return new RegExp(`^${re}$`, 's');
}
