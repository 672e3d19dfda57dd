import type { TaskState } from '../../scheduler/types.js';
import type { RunObserver } from '../run/run-observer.js';
import type { RunEvent, RunRecord } from '../run/run-record.js';

/** Where lines go: `process.stdout`, a file stream, or anything with a node-style `write`. */
export interface LineSink {
  /** Writes `chunk`; `callback`, when the sink calls it, says the chunk was handed on. */
  write(chunk: string, callback?: (error?: Error | null) => void): unknown;
}

/** The last line of `--json` output: how the run ended. */
export interface JsonSummary {
  event: 'summary';
  /** ms since the run began, as in every other line: the run's duration. */
  time: number;
  durationMs: number;
  /** True when every job completed. */
  ok: boolean;
  /** Number of jobs. */
  total: number;
  /** Jobs per final state. */
  counts: Record<'completed' | 'failed' | 'timed-out' | 'cancelled' | 'skipped', number>;
  /** Each job's end, in pipeline order. */
  jobs: Array<{
    job: string;
    state: TaskState;
    attempts: number;
    waitMs?: number;
    runMs: number;
    reason?: string;
  }>;
}

/**
 * `--json` output: one JSON object per line for every event of the run (`queued`, `start`, `progress`,
 * `retry`, `complete`, `fail`, `usage`), each with `event`, `time` (ms since the run began) and, except for
 * `usage`, `job`; then one `summary` line at the end. Nothing else is written, so every line parses.
 */
export class JsonLines implements RunObserver {
  readonly #out: LineSink;

  /** @param out - where the lines go (default `process.stdout`) */
  constructor(out: LineSink = process.stdout) {
    this.#out = out;
  }

  /** Writes the event as one line. */
  event(e: RunEvent): void {
    this.#out.write(`${JSON.stringify(e)}\n`);
  }

  /** Writes the summary line; resolves once the sink has taken it. */
  end(record: RunRecord): Promise<void> {
    const line = `${JSON.stringify(summarize(record))}\n`;
    // Resolved on the callback even after an error (a closed pipe): there is nothing left to do about it.
    return new Promise((resolve) => {
      this.#out.write(line, () => resolve());
    });
  }
}

/** The summary line of a finished run. */
export function summarize(record: RunRecord): JsonSummary {
  const counts: JsonSummary['counts'] = { completed: 0, failed: 0, 'timed-out': 0, cancelled: 0, skipped: 0 };
  const jobs: JsonSummary['jobs'] = [];
  for (const j of record.jobs) {
    if (j.state in counts) counts[j.state as keyof JsonSummary['counts']]++;
    const out: JsonSummary['jobs'][number] = {
      job: j.name,
      state: j.state,
      attempts: j.attempts.length,
      runMs: j.runMs,
    };
    if (j.waitMs !== undefined) out.waitMs = j.waitMs;
    if (j.reason !== undefined) out.reason = j.reason;
    jobs.push(out);
  }
  return {
    event: 'summary',
    time: record.durationMs,
    durationMs: record.durationMs,
    ok: counts.completed === record.jobs.length,
    total: record.jobs.length,
    counts,
    jobs,
  };
}
