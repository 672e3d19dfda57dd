import { join } from 'node:path';
import { TaskTimeoutError } from '../../errors/scheduler-errors.js';
import type { SchedulerTaskContext } from '../../scheduler/types.js';
import type { PipelineJob } from '../pipeline/pipeline.js';
import { type CommandRun, runCommand } from '../process/run-command.js';
import { CommandFailedError } from './command-error.js';
import { jobEnvironment, logFileName } from './job-environment.js';
import type { RunEvent } from './run-record.js';
import type { AttemptEnd } from './run-recorder.js';

/** What a job's task reports to, and the settings it runs with. */
export interface JobTaskHost {
  logDir: string;
  /** The pipeline's indexed resources (each job learns which of their ids it holds, if any). */
  deviceResources: readonly string[];
  /** SIGTERM → SIGKILL grace period, ms. */
  graceMs: number;
  /** ms since the run began. */
  now(): number;
  emit(e: RunEvent): void;
  /** A try started or ended: capacity in use changed. */
  changed(): void;
  endAttempt(job: string, attempt: number, end: AttemptEnd): void;
}

/** Progress events of one job are kept at most this often (a tool may print progress for every frame). */
const PROGRESS_EVERY_MS = 100;

/**
 * The scheduler task of one job: each call is one try, which runs the job's command and resolves when it exited
 * 0, or throws why not (its exit code, its time limit, or the cancellation that stopped it).
 */
export function jobTask(job: PipelineJob, host: JobTaskHost) {
  // A try that timed out may still be stopping (its grace period) when the next one is due: the next waits, so
  // one job never runs twice at once or writes its log from two processes.
  let previous: Promise<unknown> = Promise.resolve();
  return async (ctx: SchedulerTaskContext): Promise<void> => {
    await previous;
    const devices: Record<string, string[]> = {};
    for (const [r, ids] of Object.entries(ctx.devices)) devices[r] = [...ids];
    host.emit({ event: 'start', job: job.name, attempt: ctx.attempt, time: host.now(), devices });
    host.changed();
    const logFile = join(host.logDir, logFileName(job.name));
    const end = (fields: AttemptEnd): void => {
      host.endAttempt(job.name, ctx.attempt, { endMs: host.now(), ...fields });
      host.changed();
    };
    let result: CommandRun;
    try {
      const running = runCommand(job.command, {
        cwd: job.cwd,
        env: {
          ...process.env,
          ...job.env,
          ...jobEnvironment(job.name, ctx.attempt, host.deviceResources, ctx.devices),
        },
        logFile,
        header: `=== ${job.name}: attempt ${ctx.attempt}, ${new Date().toISOString()} ===\n`,
        signal: ctx.signal,
        graceMs: host.graceMs,
        onLine: progressReader(job, ctx.attempt, host),
      });
      previous = running.catch(() => {});
      result = await running;
    } catch (error) {
      // The log could not be opened: nothing was started.
      end({ outcome: 'failed', error: messageOf(error) });
      throw error;
    }
    const exit = { exitCode: result.exitCode, signal: result.signal };
    if (result.killedBy === 'abort' || (ctx.signal.aborted && result.exitCode !== 0)) {
      const reason: unknown = ctx.signal.reason;
      const outcome = reason instanceof TaskTimeoutError ? 'timed-out' : 'cancelled';
      end({ ...exit, outcome, error: messageOf(reason) });
      throw reason;
    }
    if (result.exitCode !== 0) {
      const error = new CommandFailedError(job.name, result.exitCode, result.signal, logFile);
      end({ ...exit, outcome: 'failed', error: error.message });
      throw error;
    }
    end({ ...exit, outcome: 'completed' });
  };
}

/** Turns output lines that match the job's `progress` pattern into progress events, at most every 100 ms. */
function progressReader(job: PipelineJob, attempt: number, host: JobTaskHost): (line: string) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (line) => {
    const m = job.progress?.exec(line);
    if (m === null || m === undefined) return;
    const value = Number(m[1] ?? m[0]);
    if (!Number.isFinite(value)) return;
    const time = host.now();
    const done = job.total !== undefined && value >= job.total;
    if (time - last < PROGRESS_EVERY_MS && !done) return;
    last = time;
    host.emit({
      event: 'progress',
      job: job.name,
      attempt,
      time,
      value,
      ...(job.total === undefined ? {} : { total: job.total }),
    });
  };
}

/** An error's message, or the value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
