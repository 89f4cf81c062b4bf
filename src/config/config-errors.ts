import { ConfigErrors, type ConfigError } from '../errors.ts';

/** ConfigErrors is defined in the registry (src/errors.ts); re-exported for its importers. */
export { ConfigErrors };

/** configProblems lists the problems behind `err`: all of a ConfigErrors, or `err` alone. */
export function configProblems(err: ConfigError): readonly ConfigError[] {
  return err instanceof ConfigErrors ? err.problems : [err];
}
