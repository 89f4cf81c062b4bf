import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The bare baseline of `bench/ingest.ts`: raw `node:http` that reads the body, `JSON.parse`s it
 * and answers 204 (400 if it is not JSON). Whatever the sidecar costs beyond this is Runwarden's:
 * fastify, Ajv, the state machine, telemetry. It runs as its own process, like the sidecar, and
 * prints `{"port":N}` on stdout once it listens on 127.0.0.1 (port 0 unless argv[2] names one).
 */

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    body += chunk;
  });
  req.on('end', () => {
    try {
      JSON.parse(body);
      res.statusCode = 204;
    } catch {
      res.statusCode = 400;
    }
    res.end();
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
