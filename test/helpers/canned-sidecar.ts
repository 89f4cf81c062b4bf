/**
 * A port-0 `node:http` server answering canned JSON by request path (query string included), for
 * the read-only CLI commands. Unknown paths answer 404 `{error}`. Records every path asked for.
 * Close it after each test.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Canned is one answer: a status and a JSON body. */
export interface Canned {
  status?: number;
  body: unknown;
}

/** CannedSidecar is a running canned server; `url` has no trailing slash. */
export interface CannedSidecar {
  url: string;
  /** paths are the request paths (with their query strings) in arrival order. */
  paths: string[];
  close(): Promise<void>;
}

/** startCannedSidecar listens on 127.0.0.1:0 and answers `answers[path]`. */
export async function startCannedSidecar(answers: Record<string, Canned>): Promise<CannedSidecar> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    paths.push(path);
    const answer = answers[path] ?? { status: 404, body: { error: `no canned answer for ${path}` } };
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
