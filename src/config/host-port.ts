import { isIPv6 } from 'node:net';
import { ConfigError } from '../errors.ts';
import type { HostPort } from './types.ts';

// Hostnames and IPv4 literals; IPv6 must come in brackets so the last colon is unambiguously the
// port separator.
const plainHost = /^[A-Za-z0-9._-]+$/;

/**
 * hostPortProblem says why `value` is not a listen address, or returns undefined when it is one.
 * It is the one rule behind parseHostPort and the `host-port` schema format, so a bad address
 * reads the same whether it came from the file, the environment or a flag.
 */
export function hostPortProblem(value: string): string | undefined {
  return check(value).problem;
}

/**
 * parseHostPort parses "host:port", "[::1]:port" or ":port" (meaning all IPv4 interfaces,
 * 0.0.0.0). The host comes back without brackets, ready for `listen({ host })`. Port 0 is allowed:
 * it asks the OS for an ephemeral port, which tests rely on. Throws a ConfigError naming `what`.
 */
export function parseHostPort(value: string, what: string): HostPort {
  const { address, problem } = check(value);
  if (address === undefined) throw new ConfigError(`${what}: ${problem}`);
  return address;
}

function check(value: string): { address: HostPort; problem?: undefined } | { address?: undefined; problem: string } {
  const sep = value.lastIndexOf(':');
  const rawHost = value.slice(0, Math.max(sep, 0));
  const rawPort = value.slice(sep + 1);
  const host = sep < 0 ? undefined : hostOf(rawHost);
  if (host === undefined || !/^[0-9]{1,5}$/.test(rawPort)) {
    return { problem: `expected host:port, got ${JSON.stringify(value)}` };
  }
  const port = Number(rawPort);
  if (port > 65535) return { problem: `port must be an integer in 0..65535, got ${JSON.stringify(value)}` };
  return { address: { host, port } };
}

function hostOf(raw: string): string | undefined {
  if (raw === '') return '0.0.0.0';
  if (raw.startsWith('[') && raw.endsWith(']')) {
    const inner = raw.slice(1, -1);
    return isIPv6(inner) ? inner : undefined;
  }
  return plainHost.test(raw) ? raw : undefined;
}
