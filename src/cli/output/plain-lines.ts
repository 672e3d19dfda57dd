import type { RunObserver } from '../run/run-observer.js';
import type { RunEvent } from '../run/run-record.js';
import { formatElapsed } from './format-time.js';
import type { LineSink } from './json-lines.js';

/** Least time between two progress lines of a job that reports no total, ms. */
const PROGRESS_EVERY_MS = 1000;

/**
 * The run as plain text, for a stream that is not a terminal (a CI log, a file): one line per start, progress,
 * retry, completion and failure, each prefixed with the time since the run began, e.g.
 * `[  12.3s] start encode gpu=0,1`. Progress is thinned out: a job with a `total` gets a line per 10 % step,
 * one without at most one a second. `queued` and `usage` events print nothing (a job shows up when it starts).
 */
export class PlainLines implements RunObserver {
  readonly #out: LineSink;
  /** Per job: start of the current attempt, and the last progress printed (time, and 10 % step or -1). */
  readonly #jobs = new Map<string, { startMs: number; lastMs: number; lastStep: number }>();

  /** @param out - where the lines go, e.g. `process.stderr` (the default) */
  constructor(out: LineSink = process.stderr) {
    this.#out = out;
  }

  /** Prints the event's line, if it has one. */
  event(e: RunEvent): void {
    const line = this.#line(e);
    if (line !== undefined) this.#out.write(`${stamp(e.time)} ${line}\n`);
  }

  #line(e: RunEvent): string | undefined {
    switch (e.event) {
      case 'queued':
      case 'usage':
        return undefined;
      case 'start': {
        this.#jobs.set(e.job, { startMs: e.time, lastMs: Number.NEGATIVE_INFINITY, lastStep: -1 });
        const devices = Object.entries(e.devices)
          .filter(([, ids]) => ids.length > 0)
          .map(([resource, ids]) => ` ${resource}=${ids.join(',')}`)
          .join('');
        return `start ${e.job}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}${devices}`;
      }
      case 'progress': {
        const seen = this.#jobs.get(e.job);
        if (seen === undefined) return undefined;
        if (e.total !== undefined && e.total > 0) {
          const ratio = Math.min(1, Math.max(0, e.value / e.total));
          const step = Math.floor(ratio * 10);
          if (step <= seen.lastStep) return undefined;
          seen.lastStep = step;
          seen.lastMs = e.time;
          return `progress ${e.job} ${Math.floor(ratio * 100)}% (${e.value}/${e.total})`;
        }
        if (e.time - seen.lastMs < PROGRESS_EVERY_MS) return undefined;
        seen.lastMs = e.time;
        return `progress ${e.job} ${e.value}`;
      }
      case 'retry':
        return `retry ${e.job}: attempt ${e.attempt} failed: ${oneLine(e.error)}; next attempt in ${formatElapsed(e.delayMs)}`;
      case 'complete': {
        const ran = this.#ran(e.job, e.time);
        return `complete ${e.job}${ran}${e.attempts > 1 ? ` after ${e.attempts} attempts` : ''}`;
      }
      case 'fail': {
        const ran = this.#ran(e.job, e.time);
        const tries = e.attempts > 1 ? ` after ${e.attempts} attempts` : '';
        return `fail ${e.job} ${e.state}${ran}${tries}: ${oneLine(e.error)}`;
      }
    }
  }

  /** ` in 8.7s` for the attempt that just ended, or nothing when the job never started. */
  #ran(job: string, timeMs: number): string {
    const seen = this.#jobs.get(job);
    this.#jobs.delete(job);
    return seen === undefined ? '' : ` in ${formatElapsed(timeMs - seen.startMs)}`;
  }
}

/** `[  12.3s]`: the time since the run began, right-aligned so lines line up. */
function stamp(timeMs: number): string {
  return `[${(Math.max(0, timeMs) / 1000).toFixed(1).padStart(6)}s]`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
