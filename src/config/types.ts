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
  /** The config file this came from, if any (absolute path). */
  configFile: string | undefined;
}
