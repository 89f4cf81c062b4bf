import { ConfigError } from '../errors.ts';
import type { Position } from '../errors.ts';

/**
 * ConfigErrors is every problem found in one load of the configuration. It IS a ConfigError (same
 * `code`, so callers that catch ConfigError keep working): its `message` and `position` are those
 * of the first problem, and `problems` holds all of them, sorted by file position, problems without
 * a position (environment, flags) last in the order found. `runwarden config check` prints one line
 * per entry of `problems`. `problems` is never empty.
 */
export class ConfigErrors extends ConfigError {
  readonly problems: readonly ConfigError[];
  constructor(problems: readonly ConfigError[]) {
    const sorted = sortByPosition(problems);
    const first = sorted[0];
    if (first === undefined) throw new RangeError('ConfigErrors needs at least one problem');
    super(problemText(first), first.position, { cause: first.cause });
    this.name = 'ConfigErrors';
    this.problems = sorted;
  }
}

/** configProblems lists the problems behind `err`: all of a ConfigErrors, or `err` alone. */
export function configProblems(err: ConfigError): readonly ConfigError[] {
  return err instanceof ConfigErrors ? err.problems : [err];
}

// problemText recovers the bare problem from a ConfigError's `file:line:col: problem` message,
// whose format errors.ts fixes, so the aggregate can re-raise it with the same position.
function problemText(err: ConfigError): string {
  const p = err.position;
  return p ? err.message.slice(`${p.file}:${p.line}:${p.col}: `.length) : err.message;
}

// sortByPosition orders problems by file (in order of first appearance, so the config file comes
// before files it names), then line and column; position-less ones go last. The sort is stable, so
// ties keep the order they were found in.
function sortByPosition(problems: readonly ConfigError[]): ConfigError[] {
  const files = new Map<string, number>();
  for (const { position } of problems) if (position && !files.has(position.file)) files.set(position.file, files.size);
  const key = (p: Position | undefined): [number, number, number] =>
    p ? [files.get(p.file) ?? 0, p.line, p.col] : [Infinity, 0, 0];
  return [...problems].sort((a, b) => {
    const [ka, kb] = [key(a.position), key(b.position)];
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
  });
}
