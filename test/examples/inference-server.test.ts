import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type InferenceServer,
  type InferenceServerOptions,
  type Model,
  startInferenceServer,
} from '../../examples/inference-server.js';
import type { Explanation, SchedulerStats } from '../../src/index.js';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** One HTTP call that can be dropped mid-flight (`abort` destroys the socket, as a client leaving would). */
function call(
  url: string,
  {
    method = 'GET',
    headers = {},
    body,
  }: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): { reply: Promise<Reply>; abort: () => void } {
  const req = httpRequest(url, { method, headers });
  const reply = new Promise<Reply>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      res.on('error', reject);
    });
  });
  reply.catch(() => {}); // an aborted call is expected to fail; tests that care await it
  req.end(body === undefined ? undefined : JSON.stringify(body));
  return { reply, abort: () => req.destroy() };
}

let server: InferenceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: InferenceServerOptions): Promise<InferenceServer> {
  server = await startInferenceServer(options);
  return server;
}

const infer = (key: string, options: { premium?: boolean; maxTokens?: number } = {}) =>
  call(`${server?.url}/infer`, {
    method: 'POST',
    headers: { 'x-request-id': key, ...(options.premium === true ? { 'x-tier': 'premium' } : {}) },
    body: { prompt: `prompt of ${key}`, maxTokens: options.maxTokens ?? 2 },
  });

const getStats = async () => (await call(`${server?.url}/stats`).reply).body as unknown as SchedulerStats;
const getExplain = async (key: string) =>
  (await call(`${server?.url}/explain/${encodeURIComponent(key)}`).reply).body as unknown as Explanation;

/** Polls until `check` holds: these tests wait for states, never for a number of milliseconds. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** A model that runs until the test opens its gate (or its task is cancelled). */
function gatedModel(): { model: Model; open: (key?: string) => void } {
  const waiting = new Map<string, () => void>();
  let allOpen = false;
  const model: Model = (_input, ctx) =>
    new Promise<string>((resolve, reject) => {
      const done = () => resolve(`output of ${ctx.key}`);
      if (allOpen) return done();
      waiting.set(ctx.key, done);
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    });
  const open = (key?: string) => {
    if (key === undefined) allOpen = true;
    for (const [k, done] of waiting) if (key === undefined || k === key) done();
  };
  return { model, open };
}

describe('examples/inference-server.ts', () => {
  it('when the GPUs are saturated, premium requests start before standard ones queued earlier', async () => {
    const { model, open } = gatedModel();
    const s = await start({ model, limits: { gpu: 2, cpu: 4 } });
    const started: string[] = [];
    s.scheduler.on('start', ({ key }) => started.push(key));

    const calls = [infer('s1'), infer('s2')];
    await until('s1 and s2 run', async () => (await getStats()).running === 2);
    calls.push(infer('s3'), infer('s4'));
    await until('s3 and s4 are queued', async () => (await getStats()).queued === 2);
    calls.push(infer('p1', { premium: true }), infer('p2', { premium: true }));
    await until('p1 and p2 are queued', async () => (await getStats()).queued === 4);

    const stats = await getStats();
    expect(stats).toMatchObject({ running: 2, queued: 4, available: { gpu: 0, cpu: 2 } });
    const why = await getExplain('p1');
    expect(why.state).toBe('queued');
    expect(why.reasons).toContainEqual({ kind: 'resource', resource: 'gpu', level: 0, need: 1, free: 0 });

    open();
    const replies = await Promise.all(calls.map((c) => c.reply));
    expect(started).toEqual(['s1', 's2', 'p1', 'p2', 's3', 's4']);
    expect(replies.map((r) => [r.status, r.body.key, r.body.tier])).toEqual([
      [200, 's1', 'standard'],
      [200, 's2', 'standard'],
      [200, 's3', 'standard'],
      [200, 's4', 'standard'],
      [200, 'p1', 'premium'],
      [200, 'p2', 'premium'],
    ]);
    expect(replies[4]?.body.output).toBe('output of p1');
  });

  it('a client leaving mid-run cancels its task, which stops and gives its capacity back', async () => {
    // One GPU: the next request can only run once the cancelled one has really let go of it.
    const s = await start({ limits: { gpu: 1, cpu: 1 } });
    const progress = new Map<string, number>();
    const started: string[] = [];
    s.scheduler.on('progress', ({ key, value }) => progress.set(key, value as number));
    s.scheduler.on('start', ({ key }) => started.push(key));

    const long = infer('long', { maxTokens: 100_000 }); // far longer than any test may wait
    await until('long is generating', async () => (progress.get('long') ?? 0) > 0);
    const next = infer('next', { maxTokens: 3 });
    const leaver = infer('leaver');
    await until('next and leaver are queued', async () => (await getStats()).queued === 2);
    expect((await getExplain('next')).reasons[0]).toMatchObject({ kind: 'resource', resource: 'gpu' });

    leaver.abort(); // leaves while still queued: it must never start
    await until('leaver is cancelled', async () => (await getExplain('leaver')).state === 'cancelled');
    long.abort();
    await expect(long.reply).rejects.toThrow();
    const reply = await next.reply;
    expect(reply).toMatchObject({ status: 200, body: { key: 'next', output: 'prompt of next' } });

    expect((await getExplain('long')).state).toBe('cancelled');
    await s.scheduler.onIdle();
    const tokens = progress.get('long');
    const stats = await getStats();
    expect(stats).toMatchObject({
      running: 0,
      queued: 0,
      releasing: 0,
      completed: 1,
      cancelled: 2,
      inUse: { gpu: 0, cpu: 0 },
      available: { gpu: 1, cpu: 1 },
    });
    expect(started).toEqual(['long', 'next']);
    expect(progress.get('long')).toBe(tokens); // the model stopped generating when its signal fired
  });

  it('answers bad requests with 4xx, and close() answers the waiting ones with 503', async () => {
    const { model } = gatedModel();
    const s = await start({ model });
    const bad = await call(`${s.url}/infer`, { method: 'POST', body: { maxTokens: 0 } }).reply;
    expect(bad.status).toBe(400);
    expect((await call(`${s.url}/explain/nobody`).reply).status).toBe(404);
    expect((await call(`${s.url}/nowhere`).reply).status).toBe(404);

    const waiting = infer('stuck');
    await until('stuck runs', async () => (await getStats()).running === 1);
    expect((await infer('stuck').reply).status).toBe(409);

    await s.close();
    server = undefined;
    const reply = await waiting.reply;
    expect(reply.status).toBe(503);
    expect(String(reply.body.error)).toMatch(/cancelled/);
    expect(s.scheduler.stats).toMatchObject({
      running: 0,
      releasing: 0,
      cancelled: 1,
      inUse: { gpu: 0, cpu: 0 },
    });
    await expect(call(`${s.url}/stats`).reply).rejects.toThrow();
  });
});
