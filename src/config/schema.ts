import type { SchemaObject } from 'ajv';
import type { LevelWithSilent } from 'pino';
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
  },
};

/** configFile is configFileSchema compiled, with the string formats it uses. */
export const configFile = compileYamlSchema<ConfigFile>(configFileSchema, { 'host-port': hostPortProblem });
