// Shared plumbing of the local fakes: listen on 127.0.0.1, record every request, answer JSON.
// Node built-ins only, and nothing from src/: the fakes stand in for the real services.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  /** When the request arrived (ms since the epoch, on the server's clock). */
  at: number;
  /** When its answer was sent, or its connection dropped; undefined while it is in flight. */
  doneAt?: number;
  /**
   * The order of the request's arrival and of its answer among all arrivals and answers of the
   * server: which requests overlapped, even on a virtual clock that stands still meanwhile.
   */
  order?: { arrived: number; done?: number };
}

/** What a handler sees: the recorded request plus the raw body and whether it parsed as JSON. */
export interface IncomingRequest extends RecordedRequest {
  rawBody: string;
  /** false when a non-empty body was not valid JSON (then `body` holds the raw text). */
  jsonOk: boolean;
}

export interface Reply {
  status: number;
  /** JSON-encoded, except a string, which is sent as it is (malformed bodies). */
  body: unknown;
  headers?: Record<string, string>;
  /** Destroy the connection instead of answering. */
  reset?: boolean;
}

export interface FakeServerOptions {
  /** Name and value of the per-response request id header. */
  requestIdHeader: string;
  requestId: (counter: number) => string;
  /** Delay added before every answer, in real time: for bench/ only (tests hold answers). */
  latencyMs?: number;
  /** The time of `at` and `doneAt` (default Date.now): a test on a virtual clock passes its own. */
  clock?: () => number;
  handle: (req: IncomingRequest, origin: string) => Reply | Promise<Reply>;
  /** The loopback port to listen on; default 0, any free one. */
  port?: number;
  /** Answers that wait until released (see HoldOptions); default: none waits. */
  hold?: HoldOptions;
}

/**
 * Which answers wait, and what releases them. A test that counts requests in flight holds their
 * answers instead of slowing them down: the requests then overlap as far as the client lets them,
 * however fast or busy the machine is.
 */
export interface HoldOptions {
  /** The requests whose answers wait (default: every request). */
  match?: (request: RecordedRequest) => boolean;
  /**
   * Release every waiting answer once the server is quiet: no request arrived and no answer left
   * while the event loop turned QUIET_TURNS times, and `caughtUp` holds. The client must then be
   * in this process: one in another process may be slower than any number of turns. Without
   * `whenQuiet`, only `release()` sends them.
   */
  whenQuiet?: boolean;
  /**
   * Whether the client has caught up with the server: every request it sent has arrived and it
   * has received every answer sent (`arrived` and `answered` count the server's). Default: always.
   * A client in this process can count its own (test/harness/gate-in-process.ts), which makes the
   * quiet independent of the kernel's delivery.
   */
  caughtUp?: (server: { arrived: number; answered: number }) => boolean;
}

/** The answers waiting now, and the hand that releases them. */
export interface HeldAnswers {
  /** The requests whose answers wait, oldest first. */
  readonly waiting: readonly RecordedRequest[];
  /** Resolves once at least `count` answers wait at the same time. */
  until(count: number): Promise<void>;
  /** Sends every waiting answer. */
  release(): void;
}

/** Turns of the event loop without an arrival or an answer after which a server is quiet. */
const QUIET_TURNS = 20;

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  /** The answers `hold` keeps waiting (none without it). */
  held: HeldAnswers;
  close(): Promise<void>;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined ? { status, body } : { status, body, headers };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The largest number of the requests matching `predicate` that were in flight at the same time,
 * from the order of their arrivals and answers (a virtual clock may stand still while they are
 * in flight); a request still in flight counts until now. An answer sent before another request
 * arrives does not overlap it.
 */
export function maxInFlight(
  requests: readonly RecordedRequest[],
  predicate: (r: RecordedRequest) => boolean = () => true,
): number {
  const matching = requests.filter(predicate);
  const arrived = (r: RecordedRequest) => r.order?.arrived ?? r.at;
  const done = (r: RecordedRequest) => (r.order ? r.order.done : r.doneAt) ?? Infinity;
  // The most is reached as some request arrives: count the others still open at that instant.
  let max = 0;
  for (const r of matching) {
    const open = matching.filter(
      (q) => q === r || (arrived(q) <= arrived(r) && done(q) > arrived(r)),
    ).length;
    max = Math.max(max, open);
  }
  return max;
}

/** Match `pattern` (with `:name` segments) against a path; returns the decoded params or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith(':')) {
      if (g === '') return null;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) {
      return null;
    }
  }
  return params;
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The answers `options` holds: `wait(request)` resolves when its answer may leave. `activity` is
 * the server's count of arrivals and of answers (and of them apart, for `caughtUp`).
 */
function holdAnswers(
  options: HoldOptions | undefined,
  activity: () => { events: number; arrived: number; answered: number },
): HeldAnswers & { wait(request: RecordedRequest): Promise<void> | undefined } {
  const waiting: Array<{ request: RecordedRequest; leave: () => void }> = [];
  const watchers: Array<{ count: number; resolve: () => void }> = [];
  let watching = false;

  function release(): void {
    for (const { leave } of waiting.splice(0)) leave();
  }

  /** Releases the waiting answers once QUIET_TURNS turns went by with nothing new. */
  function watchForQuiet(): void {
    if (watching) return;
    watching = true;
    let seen = -1;
    let quiet = 0;
    const turn = () => {
      if (waiting.length === 0) {
        watching = false;
        return;
      }
      const now = activity();
      if (now.events !== seen || !(options?.caughtUp?.(now) ?? true)) {
        seen = now.events;
        quiet = 0;
      } else if (++quiet >= QUIET_TURNS) {
        watching = false;
        release();
        return;
      }
      setImmediate(turn);
    };
    setImmediate(turn);
  }

  return {
    get waiting() {
      return waiting.map((w) => w.request);
    },
    until(count) {
      if (waiting.length >= count) return Promise.resolve();
      return new Promise((resolve) => watchers.push({ count, resolve }));
    },
    release,
    wait(request) {
      if (!options || !(options.match?.(request) ?? true)) return undefined;
      return new Promise<void>((leave) => {
        waiting.push({ request, leave });
        for (const w of watchers.filter((x) => waiting.length >= x.count)) {
          watchers.splice(watchers.indexOf(w), 1);
          w.resolve();
        }
        if (options.whenQuiet) watchForQuiet();
      });
    },
  };
}

export async function startFakeServer(options: FakeServerOptions): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let counter = 0;
  /** Arrivals and answers, counted: the order in which they happened. */
  let events = 0;
  let arrived = 0;
  let answered = 0;
  let origin = '';
  const clock = options.clock ?? Date.now;
  const held = holdAnswers(options.hold, () => ({ events, arrived, answered }));

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // A client that hangs up mid-answer must not take the test process down.
    serve(req, res).catch(() => res.destroy());
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = clock();
    const order: { arrived: number; done?: number } = { arrived: ++events };
    arrived += 1;
    counter += 1;
    const requestId = options.requestId(counter);
    const url = new URL(req.url ?? '/', origin);
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const rawBody = await readBody(req).catch(() => '');
    let body: unknown = undefined;
    let jsonOk = true;
    if (rawBody.trim() !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
        jsonOk = false;
      }
    }
    const recorded: RecordedRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query,
      headers: flattenHeaders(req),
      body,
      at,
      order,
    };
    requests.push(recorded);
    const finish = () => {
      if (order.done !== undefined) return;
      recorded.doneAt = clock();
      order.done = ++events;
      answered += 1;
    };
    // A fallback for answers that never get sent (the client hung up first).
    res.once('close', finish);

    let reply: Reply;
    try {
      reply = await options.handle({ ...recorded, rawBody, jsonOk }, origin);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      reply = json(500, { detail: `fake server error: ${message}`, message });
    }
    await held.wait(recorded);
    if (options.latencyMs !== undefined && options.latencyMs > 0) await sleep(options.latencyMs);
    if (reply.reset) {
      // The connection dies with no answer: the client cannot know what happened.
      finish();
      req.socket.destroy();
      return;
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      [options.requestIdHeader]: requestId,
      ...reply.headers,
    });
    finish();
    res.end(text);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake server: no port');
  origin = `http://127.0.0.1:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: origin,
    requests,
    held,
    close() {
      held.release();
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of fetch/undici would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
