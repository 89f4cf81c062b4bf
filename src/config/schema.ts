import type { SchemaObject } from 'ajv';
import type { LevelWithSilent } from 'pino';
import { durationProblem, parseDuration } from './duration.ts';
import { hostPortProblem } from './host-port.ts';
import { compileYamlSchema } from './yaml-schema.ts';

/** logLevels are the pino levels a user may choose, most severe first. */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LevelWithSilent[];

/**
 * ConfigFile is the config file as written, keys in snake_case like Prometheus and Alertmanager
 * configs. Every field is optional: an empty file means the defaults. A new section (`store:`,
 * `rules:`, `alerting:`) is a field here plus a property in `configFileSchema` with its own
 * `additionalProperties: false`.
 */
export interface ConfigFile {
  listen?: string;
  metrics_listen?: string;
  data_dir?: string;
  /** Path of a file whose trimmed content is the bearer token; relative to the config file. */
  token_file?: string;
  log_level?: LevelWithSilent;
  store?: {
    /** `normal` (default) survives a crash of the process; `full` also a power cut, at a cost per commit. */
    sync?: 'full' | 'normal';
    /** How long finished runs are kept, a Prometheus duration; default 7d. */
    retention?: string;
    /** At most this many finished runs are kept (oldest pruned first). `maxRuns` is accepted too. */
    max_runs?: number;
    maxRuns?: number;
  };
  rules?: {
    /** Rule files or globs, relative to the config file. */
    files?: string[];
    /** Load the bundled `alerts/*.yaml`; default true. */
    defaults?: boolean;
    /** Default group interval and sampling period, a Prometheus duration; default 15s. */
    interval?: string;
    /** How long samples are kept for rules to read; default 1h. */
    lookback?: string;
    promql_compat?: 2 | 3;
    external_labels?: Record<string, string>;
    external_url?: string;
  };
  /**
   * Alertmanager's configuration language plus Runwarden's additions, or `config_file` naming an
   * Alertmanager-format file; validated field by field by `src/config/alerting/`.
   */
  alerting?: Record<string, unknown>;
}

/** configFileSchema is the JSON schema of ConfigFile; it MUST stay in step with the interface. */
export const configFileSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    listen: { type: 'string', format: 'host-port' },
    metrics_listen: { type: 'string', format: 'host-port' },
    data_dir: { type: 'string', minLength: 1 },
    token_file: { type: 'string', minLength: 1 },
    log_level: { type: 'string', enum: [...logLevels] },
    store: {
      type: 'object',
      additionalProperties: false,
      properties: {
        sync: { type: 'string', enum: ['full', 'normal'] },
        retention: { type: 'string', format: 'duration' },
        max_runs: { type: 'integer', minimum: 1 },
        maxRuns: { type: 'integer', minimum: 1 },
      },
    },
    rules: {
      type: 'object',
      additionalProperties: false,
      properties: {
        files: { type: 'array', items: { type: 'string', minLength: 1 } },
        defaults: { type: 'boolean' },
        interval: { type: 'string', format: 'positive-duration' },
        lookback: { type: 'string', format: 'positive-duration' },
        promql_compat: { type: 'integer', enum: [2, 3] },
        external_labels: { type: 'object', additionalProperties: { type: 'string' }, propertyNames: { pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' } },
        external_url: { type: 'string' },
      },
    },
    // Only its shape here: src/config/alerting/ checks every field with exact positions.
    alerting: { type: 'object' },
  },
};

/** configFile is configFileSchema compiled, with the string formats it uses. */
export const configFile = compileYamlSchema<ConfigFile>(configFileSchema, {
  'host-port': hostPortProblem,
  duration: durationProblem,
  'positive-duration': positiveDurationProblem,
});

// positiveDurationProblem refuses `0s` where a period is meant: an interval of zero would spin.
function positiveDurationProblem(text: string): string | undefined {
  return durationProblem(text) ?? (parseDuration(text) === 0 ? 'must be longer than 0s' : undefined);
}
