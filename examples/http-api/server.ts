/**
 * Runs the example JSON API on the in-memory default, printing every email to the console.
 *
 *   npx tsx examples/http-api/server.ts            # a free port, printed on start
 *   PORT=3000 npx tsx examples/http-api/server.ts
 *
 * It listens on 127.0.0.1 only: the acting agent comes from request headers anyone can set
 * (see handler.ts), so this is for trying the API on your own machine, not for a network.
 */
import type { AddressInfo } from 'node:net';
import { ConsoleMailer, createRoster } from 'agent-roster';
import { createApiServer } from './handler.js';

const port = Number(process.env.PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number, not "${process.env.PORT}".`);
  process.exit(1);
}

// The port is known only once listening, so the invitation link is built when the email is.
let origin = 'http://127.0.0.1';
const roster = createRoster({
  mailer: new ConsoleMailer(),
  // The emailed link opens the preview; a real app points it at its own "join" page instead.
  acceptUrl: (token) => `${origin}/invitations/preview?token=${token}`,
});

const server = createApiServer(roster);
server.listen(port, '127.0.0.1', () => {
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  console.log(`agent-roster example API on ${origin}  (GET ${origin}/openapi.json for the routes)`);
});

// Stop taking requests, let the emails commands left sending end (docs/application.md, Shutting
// down), then exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => void roster.idle(10_000).then(() => process.exit(0))));
}
