/**
 * An inference-style HTTP server on the `Scheduler`, with nothing but `node:http`.
 *
 * - `POST /infer` with a JSON body `{ "prompt": "…", "maxTokens": 16 }` queues one model run costing
 *   { gpu: 1, cpu: 1 } under a budget of { gpu: 2, cpu: 4 } and answers when it is done. The fake model
 *   "generates" one token every 10 ms and stops as soon as its signal fires.
 * - `x-tier: premium` gives a request priority 10 (others 0): when the GPUs are busy, premium requests start
 *   before standard ones that were queued earlier.
 * - `x-request-id: <key>` names the task (otherwise the scheduler makes one up); the answer carries it.
 * - A client that disconnects before its answer cancels its task: queued, it never starts; running, the model
 *   is interrupted and its GPU comes back.
 * - `GET /stats` gives the scheduler's counts and capacity; `GET /explain/<key>` says why a task is where it is.
 * - Options `tenants` and `gpus` (used by `multi-tenant-server.ts`): `x-tenant: <name>` puts a request in a tenant
 *   that shares the GPUs fairly with the others, and the answer names the GPU ids the request ran on.
 *
 * Run: npm run example -- inference-server   (or PORT=8080 npx tsx examples/inference-server.ts), then e.g.
 *   curl -X POST localhost:<port>/infer -H 'x-tier: premium' -d '{"prompt":"hello","maxTokens":50}'
 *   curl localhost:<port>/stats
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import {
  DuplicateKeyError,
  QueueTimeoutError,
  type ResourceCost,
  Scheduler,
  type SchedulerTaskContext,
  TaskCancelledError,
  type TaskHandle,
  type TenantOptions,
  UnknownKeyError,
} from '../src/index.js';

/** What a client asks for. */
export interface InferInput {
  prompt: string;
  maxTokens: number;
}

/** Runs the model for one request; must stop (settle) once `ctx.signal` fires. */
export type Model = (input: InferInput, ctx: SchedulerTaskContext<number>) => Promise<string>;

export interface InferenceServerOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** The budget; default { gpu: 2, cpu: 4 }. */
  limits?: ResourceCost;
  /** Default: a fake model producing one token per `msPerToken`. */
  model?: Model;
  /** Pace of the fake model; default 10 ms per token. */
  msPerToken?: number;
  /** A request not started within this long gets a 503; default 30 s. */
  queueTimeoutMs?: number;
  /** Fair sharing between tenants named by the `x-tenant` header (see `SchedulerOptions.tenants`). */
  tenants?: Readonly<Record<string, TenantOptions>>;
  /** GPU ids to hand out; the answer says which ones a request ran on. Its `gpu` limit is their number. */
  gpus?: readonly string[];
}

/** A running server. */
export interface InferenceServer {
  url: string;
  scheduler: Scheduler;
  /** Stops accepting requests, cancels what is queued or running, and resolves once everything is closed. */
  close(): Promise<void>;
}

const COST = { gpu: 1, cpu: 1 };
const PREMIUM_PRIORITY = 10;

/** A stand-in for a model: one token per `msPerToken`, reported as progress, interruptible between tokens. */
export function fakeModel(msPerToken: number): Model {
  return async ({ prompt, maxTokens }, ctx) => {
    const words = prompt.split(/\s+/).filter(Boolean);
    if (words.length === 0) words.push('lorem');
    const tokens: string[] = [];
    for (let i = 0; i < maxTokens; i++) {
      await delay(msPerToken, undefined, { signal: ctx.signal }); // rejects at once when cancelled
      tokens.push(words[i % words.length] as string);
      ctx.progress(i + 1);
    }
    return tokens.join(' ');
  };
}

/** Starts the server; `await server.close()` stops it. */
export async function startInferenceServer(options: InferenceServerOptions = {}): Promise<InferenceServer> {
  const limits = { ...(options.limits ?? { gpu: 2, cpu: 4 }) };
  if (options.gpus !== undefined) delete limits.gpu; // the number of ids is the limit
  const scheduler = new Scheduler({
    limits,
    ...(options.tenants !== undefined && { tenants: options.tenants }),
    ...(options.gpus !== undefined && { devices: { gpu: options.gpus } }),
  });
  const model = options.model ?? fakeModel(options.msPerToken ?? 10);
  const queueTimeoutMs = options.queueTimeoutMs ?? 30_000;

  async function infer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // `res` closes when the answer was sent or the connection dropped; only the second must cancel the task.
    // (`req` closes as soon as its body has been read, so it says nothing about the client.)
    const client = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) client.abort(new Error('client disconnected'));
    });
    const body = await readBody(req);
    if (body === undefined) return send(res, 413, { error: `the body is over ${MAX_BODY} bytes` });
    const input = parseInput(body);
    if (input instanceof Error) return send(res, 400, { error: input.message });
    const key = header(req, 'x-request-id');
    const premium = header(req, 'x-tier') === 'premium';
    const tenant = header(req, 'x-tenant');
    let gpus: readonly string[] | undefined;
    let handle: TaskHandle<string>;
    try {
      handle = scheduler.add<string, number>(
        (ctx) => {
          gpus = ctx.devices.gpu; // what CUDA_VISIBLE_DEVICES would be for a real model
          return model(input, ctx);
        },
        {
          ...(key === undefined ? {} : { key }),
          ...(tenant === undefined ? {} : { tenant }),
          cost: COST,
          priority: premium ? PREMIUM_PRIORITY : 0,
          signal: client.signal,
          queueTimeoutMs,
        },
      );
    } catch (error) {
      if (error instanceof DuplicateKeyError) return send(res, 409, { error: error.message });
      throw error;
    }
    res.setHeader('x-request-id', handle.key);
    try {
      const output = await handle;
      const tier = premium ? 'premium' : 'standard';
      send(res, 200, { key: handle.key, tier, ...(tenant && { tenant }), ...(gpus && { gpus }), output });
    } catch (error) {
      // A client that cancelled by leaving gets nothing (`send` skips a closed response); the rest get a reason.
      const unavailable = error instanceof QueueTimeoutError || error instanceof TaskCancelledError;
      send(res, unavailable ? 503 : 500, { key: handle.key, error: String(error) });
    }
  }

  function explain(res: ServerResponse, key: string): void {
    try {
      send(res, 200, scheduler.explain(key));
    } catch (error) {
      if (error instanceof UnknownKeyError) send(res, 404, { error: `no task ${JSON.stringify(key)}` });
      else throw error;
    }
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handled =
      req.method === 'POST' && path === '/infer'
        ? infer(req, res)
        : req.method === 'GET' && path === '/stats'
          ? send(res, 200, scheduler.stats)
          : req.method === 'GET' && path.startsWith('/explain/')
            ? explain(res, decodeURIComponent(path.slice('/explain/'.length)))
            : send(res, 404, { error: `no route for ${req.method} ${path}` });
    Promise.resolve(handled).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    scheduler,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Waiting clients get a 503 from their cancelled task; close() then waits until every model run stopped.
      await scheduler.close({ cancel: true });
      server.closeAllConnections();
      await closed;
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

const MAX_BODY = 64 * 1024;

/** The body as text, or undefined when it is too large. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_BODY) return undefined;
  }
  return body;
}

function parseInput(body: string): InferInput | Error {
  let json: unknown;
  try {
    json = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    return new Error('the body is not JSON');
  }
  const { prompt = '', maxTokens = 16 } = (json ?? {}) as { prompt?: unknown; maxTokens?: unknown };
  if (typeof prompt !== 'string') return new Error('prompt must be a string');
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1 || (maxTokens as number) > 100_000)
    return new Error('maxTokens must be an integer from 1 to 100000');
  return { prompt, maxTokens: maxTokens as number };
}

/** Starts the server on `PORT` (default: a free port) and runs until Ctrl-C. */
export async function main(): Promise<InferenceServer> {
  const server = await startInferenceServer({ port: Number(process.env.PORT ?? 0) });
  console.log(`inference server listening on ${server.url}`);
  console.log(`  curl -X POST ${server.url}/infer -H 'x-tier: premium' -d '{"prompt":"hello world"}'`);
  console.log(`  curl ${server.url}/stats`);
  const stop = () => {
    console.log('stopping…');
    void server.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return server;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
