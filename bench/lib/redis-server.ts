/**
 * A private redis-server for the Redis scenarios: started from PATH on a free loopback port with a temporary
 * directory (`--save '' --appendonly no`: nothing is written to disk), stopped by its pid.
 *
 * `npm run bench` starts one before the first Redis scenario and passes its URL to the workers in
 * `BENCH_REDIS_URL`; a worker run by hand without it starts (and stops) one of its own.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Where redis-server is, or undefined when it is not on PATH. */
export const redisServerPath: string | undefined = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

/** Why the Redis scenarios cannot run, or undefined when they can. */
export const redisMissing: string | undefined =
  redisServerPath === undefined
    ? 'redis-server is not on PATH (install it, e.g. apt-get install -y redis-server, to run this scenario)'
    : undefined;

/** A free TCP port on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One redis-server process of our own. */
export class BenchRedis {
  readonly #child: ChildProcess;
  #stopped = false;

  private constructor(
    child: ChildProcess,
    readonly port: number,
    readonly dir: string,
  ) {
    this.#child = child;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Starts a server and resolves once it answers PING (rejects after 10 s, having stopped it). */
  static async start(): Promise<BenchRedis> {
    if (redisServerPath === undefined) throw new Error(redisMissing);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'allot-bench-redis-'));
    const child = spawn(
      redisServerPath,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    const server = new BenchRedis(child, port, dir);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(server.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return server;
      } catch {
        client.disconnect();
        if (Date.now() > deadline || child.exitCode !== null) {
          server.stopSync();
          throw new Error(`redis-server did not start on port ${port}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Kills the server by its pid and waits for it to exit; removes its directory. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    const child = this.#child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      this.stopSync();
      await exited;
    } else this.stopSync();
  }

  /** Kills the server by its pid without waiting (for exit and signal handlers). */
  stopSync(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const pid = this.#child.pid;
    if (pid !== undefined && this.#child.exitCode === null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The server a worker uses: the orchestrator's (`BENCH_REDIS_URL`), or one of its own when run by hand. `stop`
 * stops only a server the worker started.
 */
export async function workerRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.env.BENCH_REDIS_URL;
  if (given !== undefined && given !== '') return { url: given, stop: async () => {} };
  const own = await BenchRedis.start();
  // A worker that fails exits at once (`fail`): take the server with it.
  process.on('exit', () => own.stopSync());
  return { url: own.url, stop: () => own.stop() };
}
