import { createRequire } from 'node:module';
import type { InstrumentationScope } from '@opentelemetry/core';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/** VERSION is Runwarden's version, from package.json. */
export const VERSION: string = pkg.version;

/** SCOPE is the instrumentation scope of every span and metric Runwarden emits. */
export const SCOPE: InstrumentationScope = { name: 'runwarden', version: VERSION };
