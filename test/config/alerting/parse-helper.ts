/**
 * Helpers for the `alerting:` parser tests: parse a YAML text as an Alertmanager-format file named
 * `am.yml` in `/cfg`, with an in-memory file system for `*_file` secrets and templates.
 */
import { expect } from 'vitest';
import { parseAlertingConfig } from '../../../src/config/alerting/index.ts';
import { ConfigErrors, configProblems } from '../../../src/config/config-errors.ts';
import type { AlertingConfig } from '../../../src/pipeline/types.ts';

/** BASE is the directory the test file pretends to live in. */
export const BASE = '/cfg';

/** ParseInput is what a test gives besides the text. */
export interface ParseInput {
  env?: NodeJS.ProcessEnv;
  /** Files by absolute path. */
  files?: Record<string, string | undefined>;
}

function readFile(files: Record<string, string | undefined>): (path: string) => string {
  return (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
}

/** parse parses `text` and returns the config; it fails the test on problems. */
export function parse(text: string, input: ParseInput = {}): AlertingConfig {
  return parseAlertingConfig(text, 'am.yml', { env: input.env ?? {}, baseDir: BASE, readFile: readFile(input.files ?? {}) });
}

/** problems parses `text`, which must fail, and returns its problem lines (`am.yml:line:col: message`). */
export function problems(text: string, input: ParseInput = {}): string[] {
  try {
    parse(text, input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigErrors);
    expect((err as ConfigErrors).code).toBe('RUNWARDEN_ERR_CONFIG');
    return configProblems(err as ConfigErrors).map((p) => p.message);
  }
  throw new Error('parse did not fail');
}

/** MINIMAL is the smallest valid file, to append sections to. */
export const MINIMAL = 'route:\n  receiver: null-r\nreceivers:\n  - name: null-r\n';

/** yaml joins lines, so tables can show files line by line. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}
