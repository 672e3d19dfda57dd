import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Scheduler, TaskCancelledError } from '../src/index.js';

// A stand-in for a model call that stops when its signal fires.
const infer = async (prompt: string, signal: AbortSignal) => {
  await sleep(200, undefined, { signal });
  return `echo: ${prompt}\n`;
};

const s = new Scheduler({ limits: { gpu: 2, cpu: 4 } });

createServer(async (req, res) => {
  const prompt = new URL(req.url ?? '/', 'http://localhost').searchParams.get('q') ?? '';
  const gone = new AbortController();
  res.on('close', () => gone.abort()); // the client left: cancel its task, queued or running
  try {
    const answer = await s.add(({ signal }) => infer(prompt, signal), {
      cost: { gpu: 1, cpu: 1 },
      priority: req.headers['x-tier'] === 'premium' ? 10 : 0, // premium requests start first
      signal: gone.signal,
      queueTimeoutMs: 30_000,
    });
    res.end(answer);
  } catch (error) {
    if (!(error instanceof TaskCancelledError)) res.writeHead(503).end(`${error}\n`);
  }
}).listen(8080);
