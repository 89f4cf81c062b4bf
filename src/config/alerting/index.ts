/**
 * The `alerting:` configuration: Alertmanager's configuration language (route tree, receivers,
 * inhibit rules, time intervals, templates) plus Runwarden's escalations, trace link and delivery
 * settings, parsed into the AlertingConfig the delivery pipeline runs on.
 *
 * Secret fields take a value, a `*_file` (relative to the file they are written in), or
 * `${VAR}` (the whole value) to read environment variable VAR. Secrets become `Secret`s and never
 * appear in a message.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar } from 'yaml';
import { ConfigError } from '../../errors.ts';
import type { AlertingConfig } from '../../pipeline/types.ts';
import { ConfigErrors } from '../config-errors.ts';
import type { AlertingOptions } from './section.ts';
import { parseYaml, readAlertingSection } from './section.ts';

export type { AlertingOptions } from './section.ts';
export { ALERTMANAGER_KEYS } from './section.ts';
export { parseMatchers } from './matchers.ts';

/**
 * parseAlertingConfig parses `text`, the contents of `file` (named as the user named it: it
 * prefixes every message), as an Alertmanager-format file with Runwarden's additions. Relative
 * paths are resolved against the file's directory unless `options.baseDir` says otherwise.
 * Throws ConfigErrors listing every problem, each `file:line:col: problem`.
 */
export function parseAlertingConfig(text: string, file: string, options: AlertingOptions): AlertingConfig {
  const parsed = parseYaml(text, file, options.baseDir ?? dirname(resolve(file)));
  if (Array.isArray(parsed)) throw new ConfigErrors(parsed);
  return orThrow(readAlertingSection(parsed.reader, parsed.top, false, options));
}

/** loadAlertingConfigFile reads and parses an Alertmanager-format file (see parseAlertingConfig). */
export function loadAlertingConfigFile(path: string, options: AlertingOptions): AlertingConfig {
  let text: string;
  try {
    text = (options.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(resolve(path));
  } catch (err) {
    throw new ConfigErrors([new ConfigError(`cannot read alerting config ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, { cause: err })]);
  }
  return parseAlertingConfig(text, path, options);
}

/**
 * parseAlertingSection parses the `alerting:` section of a Runwarden config file, whose text is
 * `text` (the whole file: positions are the file's), inline or naming an Alertmanager-format file
 * with `config_file`. Returns undefined when the file has no `alerting:` mapping, or is not valid
 * YAML (the caller's schema check reports that). Throws ConfigErrors.
 */
export function parseAlertingSection(text: string, file: string, options: AlertingOptions): AlertingConfig | undefined {
  const parsed = parseYaml(text, file, options.baseDir ?? dirname(resolve(file)));
  if (Array.isArray(parsed)) return undefined;
  const { reader, top } = parsed;
  if (!isMap(top)) return undefined;
  const pair = top.items.find((p) => isScalar(p.key) && p.key.value === 'alerting');
  const section = pair === undefined ? null : reader.walk.deref(pair.value);
  // Anything but a mapping is the config schema's to report.
  if (!isMap(section)) return undefined;
  return orThrow(readAlertingSection(reader, section, true, options));
}

function orThrow(result: { config?: AlertingConfig; problems: ConfigError[] }): AlertingConfig {
  if (result.config === undefined || result.problems.length > 0) {
    throw new ConfigErrors(result.problems.length > 0 ? result.problems : [new ConfigError('invalid alerting configuration')]);
  }
  return result.config;
}
