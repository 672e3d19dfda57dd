import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Where redis-server is, or undefined when it is not installed. */
export const redisServerPath: string | undefined = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
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

/**
 * A private redis-server for examples, tests and benchmarks: started from PATH on a free port of loopback with a
 * temporary directory, and stopped by its pid. Nothing is saved unless `persistent` turns the append-only file on.
 */
export class LocalRedis {
  #child: ChildProcess | undefined;
  readonly dir: string;

  private constructor(
    readonly port: number,
    readonly args: readonly string[],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'allot-redis-'));
  }

  /** Starts a server; `persistent` turns on the append-only file (`appendfsync everysec`). */
  static async start(options: { persistent?: boolean } = {}): Promise<LocalRedis> {
    const port = await freePort();
    const args = [
      '--save',
      '',
      '--appendonly',
      options.persistent === true ? 'yes' : 'no',
      '--appendfsync',
      'everysec',
    ];
    const server = new LocalRedis(port, args);
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts (or restarts) the server process on the same port and directory. */
  async launch(): Promise<void> {
    const child = spawn(
      redisServerPath as string,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--maxmemory-policy',
        'noeviction',
        ...this.args,
      ],
      { stdio: 'ignore' },
    );
    this.#child = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch {
        client.disconnect();
        if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Sends a signal to the server process and waits for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    await exited;
    this.#child = undefined;
  }

  /** Pauses (SIGSTOP) or resumes (SIGCONT) the server process. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** A client of its own (for commands outside the library). */
  client(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: null });
    client.on('error', () => {});
    return client;
  }

  async stop(): Promise<void> {
    this.resume();
    await this.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Kills the server by its pid without waiting, and removes its directory (for exit and signal handlers). */
  stopSync(): void {
    const child = this.#child;
    this.#child = undefined;
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
