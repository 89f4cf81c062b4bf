import type { LevelWithSilent } from 'pino';
import type { AlertingConfig } from '../pipeline/types.ts';

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
  /** The rule engine's settings. */
  rules: RulesConfig;
  /** The config file this came from, if any (absolute path). */
  configFile: string | undefined;
  /** The `alerting:` section (inline or `alerting.config_file`); undefined: no section, alerts are only logged. */
  alerting: AlertingConfig | undefined;
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

/** RulesConfig configures the local rule engine. */
export interface RulesConfig {
  /** Rule files or globs (Go's filepath.Glob syntax), absolute: resolved against the config file or the working directory. */
  files: string[];
  /** Whether the bundled rule files (`alerts/*.yaml` of the installation) load too. */
  defaults: boolean;
  /** How often groups without their own `interval` are evaluated, and how often the sidecar's series are sampled. */
  intervalMs: number;
  /** How far back the in-memory sample store keeps samples. */
  lookbackMs: number;
  /** PromQL window semantics: 3 (default) or 2 (Prometheus 2.x, windows closed at their start). */
  promqlCompat: 2 | 3;
  /** Labels templates see as `$externalLabels`. */
  externalLabels: Record<string, string>;
  /** The URL templates see as `$externalURL`. */
  externalUrl: string;
}
