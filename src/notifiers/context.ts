/**
 * What every notifier gets besides its integration: template definitions, a logger, the version
 * for `User-Agent`, a clock, and (for tests) an HTTP dispatcher and timers.
 */
import type { Dispatcher } from 'undici';
import type { TemplateDefinition } from './template.ts';

/** NotifierLogger is the part of a pino logger notifiers use. MUST never be given a secret. */
export interface NotifierLogger {
  warn(obj: object, msg: string): void;
}

/** NotifierTimers schedules the Alertmanager forwarder's re-sends (injected in tests). */
export interface NotifierTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/**
 * NotifierState keeps a notifier's small durable state (the Alertmanager forwarder's live alerts)
 * across restarts: the sidecar backs it with the store's meta table. Values are JSON-safe.
 */
export interface NotifierState {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/** NotifierContext is shared by the notifiers of one configuration. */
export interface NotifierContext {
  /** Template files (`AlertingConfig.templateSources`); the same array object until a reload. */
  definitions: readonly TemplateDefinition[];
  logger: NotifierLogger;
  /** Runwarden's version, for `User-Agent: Runwarden/<version>`; default package.json's. */
  version?: string;
  /** Epoch ms; default Date.now. */
  now?: () => number;
  /** HTTP dispatcher; default undici's global agent. */
  dispatcher?: Dispatcher;
  /** Timers for background re-sends; default the global ones (unref'd). */
  timers?: NotifierTimers;
  /** How often the Alertmanager forwarder re-sends firing alerts; default 60 s (Prometheus's `resend_delay`). */
  alertmanagerResendMs?: number;
  /** Durable state; absent, the forwarder's live alerts live in memory only. */
  state?: NotifierState;
}

/** ResolvedContext is a NotifierContext with its defaults filled in. */
export interface ResolvedContext {
  definitions: readonly TemplateDefinition[];
  logger: NotifierLogger;
  version: string;
  now: () => number;
  dispatcher: Dispatcher | undefined;
  timers: NotifierTimers;
  alertmanagerResendMs: number;
  state: NotifierState | undefined;
}
