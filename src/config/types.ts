import type { LevelWithSilent } from 'pino';

/** HostPort is a listen address. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * Config is Runwarden's whole resolved configuration: the YAML file, overridden by `RUNWARDEN_*`
 * environment variables, overridden by flags. Secrets are resolved (read from their files) here.
 */
export interface Config {
  /** Ingest API address; default 127.0.0.1:7171 (loopback only unless the user says otherwise). */
  listen: HostPort;
  /** Prometheus endpoint address; default 0.0.0.0:9464, serving /metrics. */
  metricsListen: HostPort;
  /** Where durable state lives; default ./.runwarden, resolved against the working directory. */
  dataDir: string;
  /** Bearer token the ingest API requires; undefined means no auth. Never logged. */
  token: string | undefined;
  /** pino level. */
  logLevel: LevelWithSilent;
  /** The durable store's settings. */
  store: StoreConfig;
  /** The config file this came from, if any (absolute path). */
  configFile: string | undefined;
}

/** StoreConfig configures the embedded event store. */
export interface StoreConfig {
  /** `normal`: a commit survives the process crashing (kill -9, OOM), not the machine losing power; `full` fsyncs every commit. */
  sync: 'full' | 'normal';
  /** Finished runs older than this are pruned. */
  retentionMs: number;
  /** At most this many finished runs are kept; undefined: no count limit. */
  maxRuns: number | undefined;
}
