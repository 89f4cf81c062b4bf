import { ConfigError } from '../errors.ts';

/**
 * The standard OTEL_* variables Runwarden reads itself, as the OTel SDK environment specification
 * defines them. (The OTLP exporters read their own OTEL_EXPORTER_OTLP_* endpoint, header and
 * timeout variables; the 3.x BatchSpanProcessor no longer reads OTEL_BSP_*, so that is done here.)
 */

/** OtelEnv is the resolved SDK configuration. */
export interface OtelEnv {
  disabled: boolean;
  tracesExporters: Array<'otlp' | 'console'>;
  tracesProtocol: 'http/protobuf' | 'http/json';
  tracesEndpoint: string;
  metricsExporters: Array<'otlp' | 'prometheus' | 'console'>;
  metricsProtocol: 'http/protobuf' | 'http/json';
  metricExportIntervalMs: number;
  bsp: { scheduledDelayMillis: number; exportTimeoutMillis: number; maxQueueSize: number; maxExportBatchSize: number };
}

function str(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const v = str(env, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

function list<T extends string>(env: NodeJS.ProcessEnv, name: string, dflt: T[], allowed: readonly T[]): T[] {
  const v = str(env, name);
  if (v === undefined) return dflt;
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.includes('none' as T)) return [];
  for (const item of items) {
    if (!allowed.includes(item as T)) {
      throw new ConfigError(`${name}: unsupported exporter ${JSON.stringify(item)} (supported: ${allowed.join(', ')}, none)`);
    }
  }
  return items as T[];
}

function protocol(env: NodeJS.ProcessEnv, signalVar: string): 'http/protobuf' | 'http/json' {
  const name = str(env, signalVar) !== undefined ? signalVar : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const v = str(env, name) ?? 'http/protobuf';
  if (v === 'http/protobuf' || v === 'http/json') return v;
  if (v === 'grpc') {
    throw new ConfigError(`${name}: grpc is not supported by Runwarden; use http/protobuf (port 4318) or http/json`);
  }
  throw new ConfigError(`${name}: expected http/protobuf or http/json, got ${JSON.stringify(v)}`);
}

function tracesEndpoint(env: NodeJS.ProcessEnv): string {
  const signal = str(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (signal) return signal;
  const base = str(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? 'http://localhost:4318';
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

/** readOtelEnv resolves the OTEL_* variables; throws ConfigError naming a bad one. */
export function readOtelEnv(env: NodeJS.ProcessEnv): OtelEnv {
  return {
    disabled: str(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true',
    tracesExporters: list(env, 'OTEL_TRACES_EXPORTER', ['otlp'], ['otlp', 'console'] as const),
    tracesProtocol: protocol(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'),
    tracesEndpoint: tracesEndpoint(env),
    // The Prometheus endpoint is always served; OTLP metrics are pushed only when asked for.
    metricsExporters: list(env, 'OTEL_METRICS_EXPORTER', ['prometheus'], ['otlp', 'prometheus', 'console'] as const),
    metricsProtocol: protocol(env, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL'),
    metricExportIntervalMs: int(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000),
    bsp: {
      scheduledDelayMillis: int(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000),
      exportTimeoutMillis: int(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000),
      maxQueueSize: int(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048),
      maxExportBatchSize: int(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512),
    },
  };
}
