import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'src/cli/bin.ts');
// By URL: the jobs' directories are temporary ones where a bare `tsx` would not resolve.
const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;

/** A finished CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The real CLI as a child process (`node --import tsx src/cli/bin.ts …`, run from source), output collected. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly done: Promise<CliResult>;

  constructor(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, ['--import', tsx, bin, ...args], {
      cwd,
      env: { ...process.env, ...env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString();
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.done = new Promise((resolveDone) => {
      this.child.on('close', (code, signal) =>
        resolveDone({ code, signal, stdout: this.stdout, stderr: this.stderr }),
      );
    });
  }

  /** Resolves once `condition` holds (checked every 20 ms), or rejects after `ms`. */
  async until(condition: () => boolean, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline)
        throw new Error(
          `CLI: condition not reached in ${ms} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Runs the CLI to its end. */
export function runCli(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return new CliProcess(args, cwd, env).done;
}

/** A fresh directory with `pipeline.yaml` holding `yaml`; returns the directory. */
export function pipelineDir(yaml: string, name = 'pipeline.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'allot-cli-'));
  writeFileSync(join(dir, name), yaml);
  return dir;
}

/**
 * Whether `pid` is a running process. A zombie is not: it has exited, and the PID 1 of some containers never
 * reaps the orphans it inherits, so `kill(pid, 0)` alone would call it alive for ever.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The process ids jobs wrote to `file`, one per line (none while it does not exist yet). */
export function pidsIn(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

/** Resolves once none of `pids` is alive, or rejects after `ms`. */
export async function allGone(pids: readonly number[], ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (pids.some(alive)) {
    if (Date.now() > deadline) throw new Error(`still alive: ${pids.filter(alive).join(', ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One line a job wrote to the shared ledger: `start|end <job> <ns since epoch> [extra]`. */
export interface LedgerLine {
  kind: 'start' | 'end';
  job: string;
  ns: bigint;
  extra: string;
}

/** The ledger the jobs appended to (each line written by one `echo`, so lines do not interleave). */
export function readLedger(file: string): LedgerLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [kind, job, ns, ...rest] = l.split(' ');
      return {
        kind: kind as 'start' | 'end',
        job: job as string,
        ns: BigInt(ns as string),
        extra: rest.join(' '),
      };
    });
}
