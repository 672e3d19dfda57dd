import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * A fixture of test/fixtures run as a child process with tsx, as test/capacity/quota-keepalive.test.ts runs its
 * fixtures: `node --import tsx <fixture> '<config as JSON>'`. Its stdout is kept line by line; stop it with
 * {@link FixtureProcess.kill} (by pid) in an `afterEach`.
 */
export class FixtureProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  #waiters: (() => void)[] = [];

  constructor(name: string, config: unknown) {
    const fixture = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
    this.child = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    });
    const stdout = this.child.stdout;
    if (stdout === null) throw new Error('no stdout');
    createInterface({ input: stdout }).on('line', (line) => {
      this.lines.push(line);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first line that `match` accepts, waiting up to `ms` for it. */
  async line(match: (line: string) => boolean, ms = 20_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.lines.find(match);
      if (found !== undefined) return found;
      if (!this.running) throw new Error(`fixture exited without the line; stderr: ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fixture did not print the line in ${ms} ms; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends `signal` to the process (by pid) if it still runs. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) process.kill(this.pid, signal);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `condition` holds, polling every few ms; throws after `ms`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${ms} ms`);
    await sleep(5);
  }
}

/** Prints a measured figure when REDIS_TEST_LOG is set (the figures the fault tests report). */
export function note(message: string): void {
  if (process.env.REDIS_TEST_LOG !== undefined) console.log(`[measured] ${message}`);
}
