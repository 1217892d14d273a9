/**
 * The app under test: the example JSON API (examples/http-api/handler.ts) on a loopback port, as
 * a test harness would run it — with a clock the test moves, a mailer that keeps what it sends,
 * and three test-only routes under `/__test__/` that a real app would never expose:
 *
 *   GET  /__test__/roster?workspaceId=…   the whole roster, its events and the conversations every
 *                                         queue is handling, read from the store (`readRoster`)
 *   GET  /__test__/last-link?to=…         the token in the newest email to an address
 *   POST /__test__/clock?hours=…          moves the clock forward
 *
 * Everything else goes to the API unchanged, so the property test drives exactly the HTTP layer
 * a browser would.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CapturingMailer, createRoster, ManualClock, MemoryRosterStore, type WorkspaceId } from 'agent-roster';
import { readRoster } from 'agent-roster/testing';
import { createHandler } from '../http-api/handler.js';

export type ToyApp = Readonly<{
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Unexpected failures the API reported to its `onError` (an empty list is a healthy run). */
  errors: readonly unknown[];
  close(): Promise<void>;
}>;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** Starts the API on a free loopback port. */
export async function startToyApp(): Promise<ToyApp> {
  const store = new MemoryRosterStore();
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  const mailer = new CapturingMailer();
  const roster = createRoster({ store, clock, mailer, acceptUrl: 'https://chat.example.com/join' });
  const errors: unknown[] = [];
  const api = createHandler(roster, { onError: (e) => errors.push(e) });

  const testRoutes = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    req.resume();
    if (req.method === 'GET' && url.pathname === '/__test__/roster') {
      const id = (url.searchParams.get('workspaceId') ?? '') as WorkspaceId;
      return json(res, 200, await readRoster(store, id));
    }
    if (req.method === 'GET' && url.pathname === '/__test__/last-link') {
      return json(res, 200, { token: mailer.lastTokenFor(url.searchParams.get('to') ?? '') ?? null });
    }
    if (req.method === 'POST' && url.pathname === '/__test__/clock') {
      clock.advance({ hours: Number(url.searchParams.get('hours') ?? 0) });
      return json(res, 200, { now: clock.now().toISOString() });
    }
    return json(res, 404, { error: { type: 'RouteNotFound', message: 'No such test route.' } });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/__test__/')) {
      testRoutes(req, res, url).catch((e) => {
        errors.push(e);
        json(res, 500, { error: { type: 'InternalError', message: String(e) } });
      });
      return;
    }
    void api(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    errors,
    close: () => new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
