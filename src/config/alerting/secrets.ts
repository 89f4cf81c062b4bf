/**
 * Secret fields (`api_url`, `routing_key`, webhook `url`, bearer tokens) come from three places:
 * the value itself, a `*_file` next to it (relative to the config file, content trimmed), or an
 * environment variable when the whole value is `${VAR}`. A real URL or key never starts with `$`,
 * so the two cannot be confused. No message here ever contains a secret's value.
 */
import { resolve } from 'node:path';
import { Secret } from '../../pipeline/types.ts';
import type { Position } from '../../errors.ts';
import type { Fields, Reader } from './reader.ts';
import { join } from './reader.ts';

/** SecretSources are what secret fields need from outside: the environment and the file system. */
export interface SecretSources {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => string;
}

/** ReadSecret is a secret read from a config, with where it was written (for later problems, such as a URL that does not parse). */
export interface ReadSecret {
  secret: Secret;
  /** The field it came from (`api_url`, `api_url_file`), for messages. */
  field: string;
  where: Position;
}

const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * readSecret reads the secret of `name` or `fileName` in `fields`. Both given is a problem, as in
 * Alertmanager; neither is `undefined` (the caller decides whether that is allowed).
 */
export function readSecret(r: Reader, fields: Fields | undefined, name: string, fileName: string | undefined, what: string, src: SecretSources): ReadSecret | undefined {
  const inline = fields?.get(name);
  const file = fileName === undefined ? undefined : fields?.get(fileName);
  if (inline && file) {
    r.report(`${what}: at most one of ${name} & ${fileName} must be configured`, r.at(file.key));
    return undefined;
  }
  if (inline) {
    const where = r.atField(inline);
    const value = r.walk.string(inline, join(what, name));
    if (value === undefined) return undefined;
    if (value === '') {
      r.report(`${join(what, name)}: must not be empty`, where);
      return undefined;
    }
    const ref = ENV_REF.exec(value);
    if (ref === null) return { secret: new Secret(value), field: name, where };
    const variable = ref[1] as string;
    const fromEnv = src.env[variable];
    if (fromEnv === undefined || fromEnv.trim() === '') {
      r.report(`${join(what, name)}: environment variable ${variable} is not set or empty`, where);
      return undefined;
    }
    return { secret: new Secret(fromEnv.trim()), field: name, where };
  }
  if (file && fileName !== undefined) {
    const where = r.atField(file);
    const path = r.walk.string(file, join(what, fileName));
    if (path === undefined) return undefined;
    if (path === '') {
      r.report(`${join(what, fileName)}: must not be empty`, where);
      return undefined;
    }
    const full = resolve(r.baseDir, path);
    let text: string;
    try {
      text = src.readFile(full);
    } catch (err) {
      r.report(`${join(what, fileName)}: cannot read ${JSON.stringify(path)}: ${fsReason(err)}`, where);
      return undefined;
    }
    const value = text.trim();
    if (value === '') {
      r.report(`${join(what, fileName)}: file ${JSON.stringify(path)} is empty`, where);
      return undefined;
    }
    return { secret: new Secret(value), field: fileName, where };
  }
  return undefined;
}

/**
 * urlProblem says why `text` is not an http(s) URL with a host, as Alertmanager's URL type checks,
 * without quoting it (it may be a secret).
 */
export function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `unsupported scheme ${JSON.stringify(url.protocol.slice(0, -1))} for URL`;
  if (url.host === '') return 'host is missing in URL';
  return undefined;
}

/** fsReason words a file system error without a stack. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return err instanceof Error ? err.message : String(err);
}
