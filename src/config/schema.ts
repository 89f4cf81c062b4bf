import type { SchemaObject } from 'ajv';
import type { LevelWithSilent } from 'pino';
import { durationProblem } from './duration.ts';
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
  },
};

/** configFile is configFileSchema compiled, with the string formats it uses. */
export const configFile = compileYamlSchema<ConfigFile>(configFileSchema, { 'host-port': hostPortProblem, duration: durationProblem });
