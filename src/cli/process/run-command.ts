import { type ChildProcess, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { JobCommand } from '../pipeline/pipeline.js';
import { LineSplitter } from './line-splitter.js';
import { type LiveGroup, liveGroups } from './live-groups.js';
import { LogWriter } from './log-writer.js';
import { groupIsAlive, signalGroup } from './process-group.js';

export { killAllNowSync, type LiveGroup, LiveGroups, liveGroups } from './live-groups.js';

/** How a command ended. */
export interface CommandRun {
  /** The exit code of the process we started, or null when a signal ended it (or it never started). */
  exitCode: number | null;
  /** The signal that ended it, or null. */
  signal: NodeJS.Signals | null;
  /** Set when we asked it to stop (abort signal, or a shutdown through `liveGroups`) before it ended. */
  killedBy?: 'abort' | 'shutdown';
  /** Set when the log file could not be written completely: some output may be missing from it. */
  logError?: Error;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Working directory of the child. */
  cwd: string;
  /** The child's whole environment (nothing else is inherited). */
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended to it, bytes as they come; its directories are created. */
  logFile: string;
  /** Written to the log first (a newline is added when it lacks one), e.g. `=== attempt 2 ===`. */
  header?: string;
  /** Abort: SIGTERM to the whole process group, SIGKILL after `graceMs`. Before the start: nothing starts. */
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL, ms; 3000 by default. */
  graceMs?: number;
  /**
   * Each output line, without its line end: `\n`, `\r\n` and a lone `\r` end a line; the last line is
   * delivered at exit even without one. It must not throw (an error it throws is noted in the log).
   */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

const DEFAULT_GRACE_MS = 3000;
const POLL_MS = 50;
/** After SIGKILL, how long a group may take to vanish before we give up on it (a process stuck in the kernel). */
const KILL_WAIT_MS = 5000;
/** After the group is gone, how long its pipes may stay open (held by a process that left the group). */
const DRAIN_WAIT_MS = 2000;

type StopReason = NonNullable<CommandRun['killedBy']>;

/**
 * Runs one job's command as a child process in its own process group, and resolves once the process and
 * everything it left in its group are gone and all of its output is in the log file.
 *
 * An argv runs directly (never through a shell); a shell command runs as `/bin/sh -c script`. stdin is
 * closed. When the command cannot start (not found: exit code 127; not executable or other: 126) the
 * reason goes to the log and to `onLine` as a stderr line. Processes the command leaves behind in its group
 * when it exits are terminated (SIGTERM, then SIGKILL after `graceMs`).
 *
 * @throws only when the log file cannot be opened; the command is then not started.
 */
export async function runCommand(command: JobCommand, options: RunCommandOptions): Promise<CommandRun> {
  if (options.signal?.aborted) return { exitCode: null, signal: null, killedBy: 'abort' };
  return new CommandProcess(command, options).start();
}

class CommandProcess implements LiveGroup {
  readonly #command: JobCommand;
  readonly #options: RunCommandOptions;
  readonly #graceMs: number;
  #done: Promise<CommandRun> | undefined;
  #log: LogWriter | undefined;
  /** Stop requested before the start: the command must not start. */
  #cancelled: StopReason | undefined;
  #pid: number | undefined;
  #leaderExited = false;
  #groupGone = false;
  #killedBy: StopReason | undefined;
  #termSent = false;
  #killDeadline = Number.POSITIVE_INFINITY;
  #killTimer: NodeJS.Timeout | undefined;
  #killSentAt: number | undefined;
  #onLineFailed = false;

  constructor(command: JobCommand, options: RunCommandOptions) {
    this.#command = command;
    this.#options = options;
    this.#graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  }

  start(): Promise<CommandRun> {
    liveGroups.add(this);
    this.#options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#done = this.#execute().finally(() => {
      liveGroups.delete(this);
      this.#options.signal?.removeEventListener('abort', this.#onAbort);
      clearTimeout(this.#killTimer);
    });
    return this.#done;
  }

  terminate(graceMs: number): Promise<void> {
    this.#stop('shutdown', graceMs);
    return (this.#done ?? Promise.resolve()).then(
      () => undefined,
      () => undefined, // the caller of runCommand gets the error
    );
  }

  killNow(): void {
    this.#kill('shutdown');
  }

  readonly #onAbort = (): void => {
    this.#stop('abort', this.#graceMs);
  };

  async #execute(): Promise<CommandRun> {
    const { logFile, header } = this.#options;
    let log: LogWriter;
    try {
      log = await LogWriter.open(logFile);
    } catch (error) {
      throw new Error(`cannot open log file ${logFile}: ${messageOf(error)}`, { cause: error });
    }
    this.#log = log;
    if (header !== undefined) log.write(header.endsWith('\n') ? header : `${header}\n`);

    if (this.#cancelled !== undefined) {
      log.note(`not started: ${this.#cancelled === 'abort' ? 'aborted' : 'shutting down'}`);
      return this.#result(null, null, this.#cancelled);
    }

    const [file, args] =
      this.#command.kind === 'argv'
        ? [this.#command.argv[0], this.#command.argv.slice(1)]
        : ['/bin/sh', ['-c', this.#command.script]];
    if (file === undefined || file === '') return this.#cannotStart(127, 'empty command');

    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd: this.#options.cwd,
        env: this.#options.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group, so it and everything it starts can be signalled at once
      });
    } catch (error) {
      return this.#cannotStart(126, `cannot start ${file}: ${messageOf(error)}`);
    }

    let spawnError: Error | undefined;
    // Later 'error' events only come from child.kill()/send(), which we never use; keep them from crashing.
    const started = new Promise<void>((resolve) => {
      child.once('spawn', () => resolve());
      child.on('error', (error) => {
        spawnError ??= error;
        resolve();
      });
    });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      child.once('exit', (code, signal) => resolve([code, signal]));
    });

    if (child.pid === undefined) {
      await started;
      child.stdout?.destroy();
      child.stderr?.destroy();
      return this.#spawnFailed(file, spawnError);
    }
    this.#pid = child.pid;

    const drained = Promise.all([
      this.#pump(child.stdout!, 'stdout', log),
      this.#pump(child.stderr!, 'stderr', log),
    ]);
    const [exitCode, signal] = await exited;
    this.#leaderExited = true;
    await this.#reapGroup(child.pid, log);
    this.#groupGone = true;
    clearTimeout(this.#killTimer);

    const timeout = new AbortController();
    const closedInTime = await Promise.race([
      drained.then(() => true),
      delay(DRAIN_WAIT_MS, false, { signal: timeout.signal }).catch(() => false),
    ]);
    timeout.abort();
    if (!closedInTime) {
      log.note('output still open after the process group ended (a process left the group?); closing it');
      child.stdout?.destroy();
      child.stderr?.destroy();
      await drained;
    }
    return this.#result(exitCode, signal, this.#killedBy);
  }

  /** Copies a child's output stream to the log, line by line to `onLine`; resolves when it has closed. */
  #pump(stream: Readable, name: 'stdout' | 'stderr', log: LogWriter): Promise<void> {
    const splitter = new LineSplitter((line) => this.#deliver(line, name));
    stream.on('data', (chunk: Buffer) => {
      if (!log.write(chunk)) {
        stream.pause();
        log.whenDrained(() => stream.resume());
      }
      splitter.push(chunk);
    });
    return finished(stream).then(
      () => splitter.end(),
      () => splitter.end(), // destroyed by us: what was read is delivered all the same
    );
  }

  #deliver(line: string, stream: 'stdout' | 'stderr'): void {
    const onLine = this.#options.onLine;
    if (onLine === undefined) return;
    try {
      onLine(line, stream);
    } catch (error) {
      if (this.#onLineFailed) return;
      this.#onLineFailed = true;
      this.#log?.note(`onLine handler failed: ${messageOf(error)}`);
    }
  }

  /**
   * After the leader's exit: waits until no process of its group runs any more, terminating what it left
   * behind (a job's background processes are the job's).
   */
  async #reapGroup(pgid: number, log: LogWriter): Promise<void> {
    if (!(await groupIsAlive(pgid))) return;
    this.#terminateGroup(this.#graceMs, 'the command left processes running');
    for (;;) {
      await delay(POLL_MS);
      if (!(await groupIsAlive(pgid))) return;
      if (this.#killSentAt !== undefined) {
        if (performance.now() - this.#killSentAt > KILL_WAIT_MS) {
          log.note(`process group ${pgid} still has processes after SIGKILL; giving up on them`);
          return;
        }
        signalGroup(pgid, 'SIGKILL'); // again, for any process forked while the first one was delivered
      }
    }
  }

  #stop(reason: StopReason, graceMs: number): void {
    if (this.#pid === undefined) {
      this.#cancelled ??= reason;
      return;
    }
    if (this.#groupGone) return;
    if (!this.#leaderExited) this.#killedBy ??= reason;
    this.#terminateGroup(graceMs, reason === 'abort' ? 'aborted' : 'shutting down');
  }

  /** SIGTERM to the group (once), SIGKILL after `graceMs` unless one is due sooner already. */
  #terminateGroup(graceMs: number, why: string): void {
    const pid = this.#pid;
    if (pid === undefined || this.#killSentAt !== undefined) return;
    if (!this.#termSent) {
      this.#termSent = true;
      this.#log?.note(`${why}: SIGTERM to process group ${pid}`);
      signalGroup(pid, 'SIGTERM');
    }
    const deadline = performance.now() + graceMs;
    if (deadline >= this.#killDeadline) return;
    this.#killDeadline = deadline;
    clearTimeout(this.#killTimer);
    this.#killTimer = setTimeout(() => this.#sendKill(), Math.max(0, graceMs));
  }

  #kill(reason: StopReason): void {
    if (this.#pid === undefined) {
      this.#cancelled ??= reason;
      return;
    }
    if (this.#groupGone) return;
    if (!this.#leaderExited) this.#killedBy ??= reason;
    this.#sendKill();
  }

  #sendKill(): void {
    const pid = this.#pid;
    clearTimeout(this.#killTimer);
    if (pid === undefined || this.#groupGone || this.#killSentAt !== undefined) return;
    this.#killSentAt = performance.now();
    this.#log?.note(`SIGKILL to process group ${pid}`);
    signalGroup(pid, 'SIGKILL');
  }

  async #spawnFailed(file: string, error: Error | undefined): Promise<CommandRun> {
    const code = errorCode(error);
    if (code === 'ENOENT') {
      if (!(await isDirectory(this.#options.cwd)))
        return this.#cannotStart(127, `working directory not found: ${this.#options.cwd}`);
      if (file.includes('/') && (await exists(resolvePath(this.#options.cwd, file))))
        return this.#cannotStart(127, `cannot run ${file}: not found (its #! interpreter is missing?)`);
      return this.#cannotStart(127, `command not found: ${file}`);
    }
    if (code === 'EACCES') return this.#cannotStart(126, `permission denied: ${file}`);
    return this.#cannotStart(
      126,
      `cannot start ${file}: ${error === undefined ? 'unknown error' : error.message}`,
    );
  }

  #cannotStart(exitCode: 126 | 127, reason: string): Promise<CommandRun> {
    this.#log?.note(reason);
    this.#deliver(`allot: ${reason}`, 'stderr');
    return this.#result(exitCode, null, undefined);
  }

  async #result(
    exitCode: number | null,
    signal: NodeJS.Signals | null,
    killedBy: StopReason | undefined,
  ): Promise<CommandRun> {
    const logError = await this.#log?.close();
    return {
      exitCode,
      signal,
      ...(killedBy === undefined ? {} : { killedBy }),
      ...(logError === undefined ? {} : { logError }),
    };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
