import { existsSync, realpathSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobCommand } from '../../src/cli/pipeline/pipeline.js';
import {
  type CommandRun,
  liveGroups,
  type RunCommandOptions,
  runCommand,
} from '../../src/cli/process/run-command.js';
import { alive } from './cli-harness.js';

// Real processes throughout. Waits poll with generous deadlines, so a loaded machine only makes them slower.

const sh = (script: string): JobCommand => ({ kind: 'shell', script });
const argv = (...args: string[]): JobCommand => ({ kind: 'argv', argv: args });

/** Pids the commands under test reported, killed after each test should anything go wrong. */
const reported = new Set<number>();

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let dir: string;
let logFile: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'allot-run-command-'));
  logFile = join(dir, 'logs', 'nested', 'job.log');
});

afterEach(async () => {
  liveGroups.killAllNow();
  await waitUntil(() => liveGroups.size === 0, 'every command has finished', 15_000);
  for (const pid of reported) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  reported.clear();
  await rm(dir, { recursive: true, force: true });
});

function options(extra: Partial<RunCommandOptions> = {}): RunCommandOptions {
  return { cwd: dir, env: process.env, logFile, ...extra };
}

const readLog = (): Promise<string> => readFile(logFile, 'utf8');

/** Collects output lines; numeric ones are pids the script printed, remembered for cleanup. */
function lineCollector(): {
  stdout: string[];
  stderr: string[];
  pids: number[];
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
} {
  const out = {
    stdout: [] as string[],
    stderr: [] as string[],
    pids: [] as number[],
    onLine: (line: string, stream: 'stdout' | 'stderr'): void => {
      out[stream].push(line);
      if (/^\d+$/.test(line)) {
        out.pids.push(Number(line));
        reported.add(Number(line));
      }
    },
  };
  return out;
}

describe('runCommand: what the command receives', () => {
  it('passes an argv to the program verbatim, with no shell in between', async () => {
    const words = ['a b', '$HOME', '*;rm', `"q'`, '`id`', '$(id)', ''];
    const run = await runCommand(argv('printf', '%s\\n', ...words), options({ header: '=== attempt 1 ===' }));
    expect(run).toEqual({ exitCode: 0, signal: null });
    expect(await readLog()).toBe(`=== attempt 1 ===\n${words.map((w) => `${w}\n`).join('')}`);
  });

  it('runs the shell form through /bin/sh, which expands variables and globs', async () => {
    await writeFile(join(dir, 'a.txt'), '');
    await writeFile(join(dir, 'b.txt'), '');
    const run = await runCommand(
      sh(`printf '%s\\n' "$HOME" *.txt; echo $((1 + 2))`),
      options({ env: { ...process.env, HOME: '/home/someone' } }),
    );
    expect(run).toEqual({ exitCode: 0, signal: null });
    expect(await readLog()).toBe('/home/someone\na.txt\nb.txt\n3\n');
  });

  it('gives the child exactly the environment passed, in the directory passed', async () => {
    const path = process.env.PATH ?? '/usr/bin:/bin';
    await runCommand(argv('env'), options({ env: { PATH: path, ONLY: 'x' } }));
    expect((await readLog()).split('\n').sort()).toEqual(['', 'ONLY=x', `PATH=${path}`]);
    await rm(logFile);
    await runCommand(argv('pwd'), options());
    expect(await readLog()).toBe(`${realpathSync(dir)}\n`);
  });

  it('appends to the log: each run after its own header', async () => {
    await runCommand(argv('echo', 'first'), options({ header: '=== attempt 1 ===\n' }));
    await runCommand(argv('echo', 'second'), options({ header: '=== attempt 2 ===' }));
    expect(await readLog()).toBe('=== attempt 1 ===\nfirst\n=== attempt 2 ===\nsecond\n');
  });
});

describe('runCommand: how it ends', () => {
  it('reports the exit code', async () => {
    expect(await runCommand(sh('exit 3'), options())).toEqual({ exitCode: 3, signal: null });
  });

  it('reports the signal that ended it', async () => {
    expect(await runCommand(sh('kill -USR1 $$'), options())).toEqual({ exitCode: null, signal: 'SIGUSR1' });
  });

  it('reports a command not found as exit code 127, in the log and as a stderr line', async () => {
    const lines = lineCollector();
    const run = await runCommand(argv('allot-no-such-command-here', 'x'), options({ onLine: lines.onLine }));
    expect(run).toEqual({ exitCode: 127, signal: null });
    expect(await readLog()).toBe('allot: command not found: allot-no-such-command-here\n');
    expect(lines.stderr).toEqual(['allot: command not found: allot-no-such-command-here']);
    expect(liveGroups.size).toBe(0);
  });

  it('reports a file that is not executable as exit code 126', async () => {
    await writeFile(join(dir, 'tool'), '#!/bin/sh\necho never\n');
    await chmod(join(dir, 'tool'), 0o644);
    const run = await runCommand(argv('./tool'), options());
    expect(run).toEqual({ exitCode: 126, signal: null });
    expect(await readLog()).toContain('permission denied: ./tool');
  });

  it('reports an argv the system refuses (a NUL byte) as exit code 126, without throwing', async () => {
    const run = await runCommand(argv('echo', 'a\0b'), options());
    expect(run).toEqual({ exitCode: 126, signal: null });
    expect(await readLog()).toMatch(/^allot: cannot start echo: .+\n$/);
  });

  it('says so when the working directory does not exist', async () => {
    const run = await runCommand(argv('echo', 'x'), options({ cwd: join(dir, 'missing') }));
    expect(run).toEqual({ exitCode: 127, signal: null });
    expect(await readLog()).toContain(`working directory not found: ${join(dir, 'missing')}`);
  });

  it('does not start when aborted before the start, and touches no log', async () => {
    const run = await runCommand(sh('touch started'), options({ signal: AbortSignal.abort() }));
    expect(run).toEqual({ exitCode: null, signal: null, killedBy: 'abort' });
    expect(existsSync(logFile)).toBe(false);
    expect(existsSync(join(dir, 'started'))).toBe(false);
  });

  it('does not start when a shutdown comes while it prepares its log', async () => {
    const running = runCommand(sh('touch started'), options());
    expect(liveGroups.size).toBe(1);
    await liveGroups.terminateAll(100);
    expect(await running).toEqual({ exitCode: null, signal: null, killedBy: 'shutdown' });
    expect(existsSync(join(dir, 'started'))).toBe(false);
  });

  it('rejects, without starting anything, when the log file cannot be opened', async () => {
    await writeFile(join(dir, 'logs'), 'a file where the log directory should be');
    await expect(runCommand(sh('touch started'), options())).rejects.toThrow(/cannot open log file/);
    expect(existsSync(join(dir, 'started'))).toBe(false);
    expect(liveGroups.size).toBe(0);
  });
});

describe('runCommand: output lines', () => {
  it('delivers stdout and stderr lines, with \\r as a line end and the last line without one', async () => {
    const lines = lineCollector();
    const script = [
      `printf 'one\\n'`,
      `printf 'err1\\n' >&2`,
      `printf '10%%\\r20%%\\r30%%\\n'`,
      `printf 'x\\r\\ny\\n'`,
      `printf 'a'; sleep 0.1; printf 'b\\r'; sleep 0.1; printf '\\nc\\n'`,
      `printf '\\303'; sleep 0.1; printf '\\251\\n'`,
      `printf 'no newline at the end'`,
    ].join('; ');
    const run = await runCommand(sh(script), options({ onLine: lines.onLine }));
    expect(run.exitCode).toBe(0);
    expect(lines.stdout).toEqual([
      'one',
      '10%',
      '20%',
      '30%',
      'x',
      'y',
      'ab',
      'c',
      'é',
      'no newline at the end',
    ]);
    expect(lines.stderr).toEqual(['err1']);
    // Both streams in one file, every byte: removing stderr's line leaves stdout's bytes exactly.
    expect((await readLog()).replace('err1\n', '')).toBe(
      'one\n10%\r20%\r30%\nx\r\ny\nab\r\nc\né\nno newline at the end',
    );
  });

  it('loses nothing of a large output, and cuts very long lines for onLine', async () => {
    let delivered = 0;
    const run = await runCommand(
      sh(`head -c 3000000 /dev/zero | tr '\\0' x; echo; echo done >&2`),
      options({ onLine: (line) => (delivered += line.length) }),
    );
    expect(run.exitCode).toBe(0);
    const log = await readLog();
    expect(log.length).toBe(3_000_006);
    expect(log.replace('done\n', '')).toBe(`${'x'.repeat(3_000_000)}\n`);
    expect(delivered).toBe(3_000_004);
  });

  it('survives an onLine that throws, and says so in the log', async () => {
    const run = await runCommand(
      sh('echo one; echo two'),
      options({
        onLine: () => {
          throw new Error('boom');
        },
      }),
    );
    expect(run.exitCode).toBe(0);
    // The note lands after the chunk that held the failing line: where exactly depends on the pipe.
    const log = (await readLog()).split('\n');
    expect(log.sort()).toEqual(['', 'allot: onLine handler failed: boom', 'one', 'two']);
  });
});

describe('runCommand: no process left behind', () => {
  it('an abort ends the whole process group', async () => {
    const lines = lineCollector();
    const abort = new AbortController();
    const running = runCommand(
      sh('echo $$; sleep 300 & echo $!; sleep 300 & echo $!; wait'),
      options({ signal: abort.signal, onLine: lines.onLine }),
    );
    await waitUntil(() => lines.pids.length === 3, 'the script printed its pids');
    expect(lines.pids.every(alive)).toBe(true);
    abort.abort();
    expect(await running).toEqual({ exitCode: null, signal: 'SIGTERM', killedBy: 'abort' });
    await waitUntil(() => !lines.pids.some(alive), 'every process of the group is gone');
    expect(await readLog()).toContain('aborted: SIGTERM to process group');
  });

  it('SIGKILLs a group that ignores SIGTERM once the grace period is over', async () => {
    const lines = lineCollector();
    const abort = new AbortController();
    const running = runCommand(
      sh('trap "" TERM; echo $$; sleep 300 & echo $!; wait'),
      options({ signal: abort.signal, graceMs: 300, onLine: lines.onLine }),
    );
    await waitUntil(() => lines.pids.length === 2, 'the script printed its pids');
    const abortedAt = performance.now();
    abort.abort();
    expect(await running).toEqual({ exitCode: null, signal: 'SIGKILL', killedBy: 'abort' });
    expect(performance.now() - abortedAt).toBeGreaterThanOrEqual(250);
    await waitUntil(() => !lines.pids.some(alive), 'every process of the group is gone');
    expect(await readLog()).toMatch(/SIGTERM to process group \d+\n.*SIGKILL to process group/s);
  });

  it('ends the background processes a command leaves behind when it exits', async () => {
    const lines = lineCollector();
    const run = await runCommand(sh('sleep 300 & echo $!'), options({ onLine: lines.onLine }));
    expect(run).toEqual({ exitCode: 0, signal: null });
    expect(lines.pids).toHaveLength(1);
    // Resolved only once they are gone: no polling needed.
    expect(alive(lines.pids[0]!)).toBe(false);
    expect(await readLog()).toContain('the command left processes running: SIGTERM to process group');
  });

  it('SIGKILLs leftovers that ignore SIGTERM', async () => {
    const lines = lineCollector();
    const run = await runCommand(
      sh('(trap "" TERM; exec sleep 300) & echo $!'),
      options({ graceMs: 300, onLine: lines.onLine }),
    );
    expect(run).toEqual({ exitCode: 0, signal: null });
    expect(alive(lines.pids[0]!)).toBe(false);
    expect(await readLog()).toContain('SIGKILL to process group');
  });
});

describe('liveGroups', () => {
  it('terminateAll ends every running command and resolves once all have finished', async () => {
    const lines = lineCollector();
    const settled: CommandRun[] = [];
    const start = (script: string): Promise<CommandRun> =>
      runCommand(sh(script), options({ onLine: lines.onLine })).then((run) => {
        settled.push(run);
        return run;
      });
    const runs = [
      start('echo $$; exec sleep 300'),
      start('echo $$; sleep 300 & echo $!; wait'),
      start('trap "" TERM; echo $$; sleep 300 & echo $!; wait'),
    ];
    await waitUntil(() => lines.pids.length === 5, 'every script printed its pids');
    expect(liveGroups.size).toBe(3);

    await liveGroups.terminateAll(300);
    expect(settled).toHaveLength(3);
    expect(liveGroups.size).toBe(0);
    const results = await Promise.all(runs);
    expect(results.map((r) => r.killedBy)).toEqual(['shutdown', 'shutdown', 'shutdown']);
    expect(results.map((r) => r.signal)).toEqual(['SIGTERM', 'SIGTERM', 'SIGKILL']);
    await waitUntil(() => !lines.pids.some(alive), 'every process is gone');
  });

  it('killAllNow SIGKILLs at once, without waiting for a grace period', async () => {
    const lines = lineCollector();
    const running = runCommand(
      sh('trap "" TERM; echo $$; sleep 300 & echo $!; wait'),
      options({ graceMs: 60_000, onLine: lines.onLine }),
    );
    await waitUntil(() => lines.pids.length === 2, 'the script printed its pids');
    liveGroups.killAllNow();
    expect(await running).toEqual({ exitCode: null, signal: 'SIGKILL', killedBy: 'shutdown' });
    await waitUntil(() => !lines.pids.some(alive), 'every process is gone');
  });
});
