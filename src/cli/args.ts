/**
 * Flag parsing shared by the CLI commands: `node:util` `parseArgs` in strict mode, with its errors
 * turned into a `UsageError` so every command reports a bad flag the same way (one line, exit 2).
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.ts';

/** UsageError is defined in the registry (src/errors.ts); re-exported for the commands. */
export { UsageError };

/** ParseArgsOptions is the `options` table `parseArgs` takes. */
export type ParseArgsOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * parseFlags runs strict `parseArgs` over `argv` and rethrows its `ERR_PARSE_ARGS_*` errors as a
 * `UsageError` for `command`, so a typo never surfaces as a stack trace.
 */
export function parseFlags<O extends ParseArgsOptions>(
  command: string | undefined,
  argv: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      throw new UsageError((err as Error).message, command);
    }
    throw err;
  }
}

/**
 * parseAttributes turns repeated `--attr key=value` flags into an object. The value may itself
 * contain `=` (only the first one splits); an empty key or a missing `=` is a `UsageError`, because
 * silently dropping an attribute would make a dashboard filter quietly miss the run.
 */
export function parseAttributes(pairs: readonly string[], command: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(`bad --attr ${JSON.stringify(pair)}: expected key=value`, command);
    }
    attributes[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return attributes;
}

/** parseLimit reads a list command's `--limit`: a whole number from 1 to 1000, else a `UsageError`. */
export function parseLimit(raw: string, command: string): number {
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) {
    throw new UsageError(`--limit must be a whole number from 1 to 1000, not ${JSON.stringify(raw)}`, command);
  }
  return Number(raw);
}
