/**
 * Which rule files the sidecar loads: the configured files and globs (already absolute, resolved
 * against the config file or the working directory), plus the bundled `alerts/*.yaml` unless
 * `rules.defaults: false`. Globs are Go's `filepath.Glob`, as promtool and Prometheus expand
 * `rule_files`. Reading and compiling is all-or-nothing: every problem of every file is collected
 * into one ConfigErrors, so a start refuses and a reload keeps the old rules.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigErrors, configProblems } from '../config/config-errors.ts';
import { ConfigError } from '../errors.ts';
import { loadRuleFile } from './rule-file.ts';
import type { RuleCompilers, RuleFile } from './rule-spec.ts';
import { defaultCompilers } from './compilers.ts';
import { goGlob } from './unittest/glob.ts';

/** BUNDLED_RULES is the glob of the rule files shipped with Runwarden. */
export const BUNDLED_RULES = join(fileURLToPath(new URL('../../alerts/', import.meta.url)), '*.yaml');

/** RuleSources says where rules come from. */
export interface RuleSources {
  /** Absolute files or globs. */
  patterns: readonly string[];
  /** Whether the bundled rules load too; absent or empty `alerts/` loads nothing. */
  defaults: boolean;
}

/**
 * expandRuleFiles lists the files the sources name, in order, without duplicates. A plain file
 * that does not exist is kept (loading it reports the problem); a glob matching nothing is empty.
 */
export function expandRuleFiles(sources: RuleSources): string[] {
  const patterns = sources.defaults ? [BUNDLED_RULES, ...sources.patterns] : [...sources.patterns];
  const out = new Set<string>();
  for (const pattern of patterns) {
    if (!/[*?[\\]/.test(pattern)) {
      if (pattern !== BUNDLED_RULES) out.add(pattern);
      continue;
    }
    for (const file of goGlob(pattern)) out.add(file);
  }
  return [...out];
}

/** watchedDirs are the directories whose changes may change the rules: each pattern's directory. */
export function watchedDirs(sources: RuleSources): string[] {
  const patterns = sources.defaults ? [BUNDLED_RULES, ...sources.patterns] : sources.patterns;
  const dirs = new Set<string>();
  for (const p of patterns) {
    const dir = dirname(p);
    if (!/[*?[\\]/.test(dir) && existsSync(dir)) dirs.add(dir);
  }
  return [...dirs];
}

/**
 * loadRuleFiles reads and compiles every file. Throws ConfigErrors listing every problem of
 * every file (an unreadable file is one problem), so the caller keeps what it had.
 */
export function loadRuleFiles(files: readonly string[], compilers: RuleCompilers = defaultCompilers): RuleFile[] {
  const problems: ConfigError[] = [];
  const loaded: RuleFile[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(new ConfigError(`rule file ${JSON.stringify(file)}: cannot read: ${code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message)}`));
      continue;
    }
    try {
      loaded.push(loadRuleFile(file, text, compilers));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...configProblems(err));
    }
  }
  if (problems.length > 0) throw new ConfigErrors(problems);
  return loaded;
}
