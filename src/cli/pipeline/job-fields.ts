import type { ResourceCost } from '../../foundation/resource-cost.js';
import { MAX_TIMER_DELAY_MS } from '../../foundation/timers.js';
import type { BackoffOptions, RetryOptions } from '../../scheduler/types.js';
import { type Limits, readCost } from './budget.js';
import { parseDuration } from './duration.js';
import { entriesOf, type Fields, isFields } from './parsed-data.js';
import { type FieldPath, fieldLabel, type Problem, report } from './problems.js';

/** A string of the file that may hold matrix placeholders, with where it is. */
export interface Template {
  text: string;
  path: FieldPath;
}

/** A job's command as written: a script for `/bin/sh -c`, or an argv. */
export type CommandTemplate = { kind: 'shell'; script: Template } | { kind: 'argv'; argv: Template[] };

/** A job's settings other than its command, dependencies and matrix, read and checked. */
export interface JobFields {
  env: Map<string, Template>;
  cwd?: Template;
  timeoutMs?: number;
  retry?: RetryOptions;
  priority?: number;
  cost?: ResourceCost;
  tenant?: string;
  progress?: RegExp;
  total?: number;
  estimateMs?: number;
}

/** Fields that set nothing: the defaults of a file without `defaults`. */
export function noFields(): JobFields {
  return { env: new Map() };
}

/** The settings of a job or of `defaults` (at `base`), reporting values the shape check cannot judge. */
export function readFields(
  raw: Fields,
  base: FieldPath,
  limits: Limits,
  devices: Map<string, string[]>,
  problems: Problem[],
): JobFields {
  const fields: JobFields = { env: readEnv(raw.env, [...base, 'env']) };
  if (typeof raw.cwd === 'string' && raw.cwd !== '') fields.cwd = { text: raw.cwd, path: [...base, 'cwd'] };
  const timeoutMs = readTimeout(raw.timeout, [...base, 'timeout'], problems);
  if (timeoutMs !== undefined) fields.timeoutMs = timeoutMs;
  const retry = readRetry(raw.retry, [...base, 'retry'], problems);
  if (retry !== undefined) fields.retry = retry;
  if (typeof raw.priority === 'number' && Number.isFinite(raw.priority)) fields.priority = raw.priority;
  const cost = readCost(raw.cost, [...base, 'cost'], limits, devices, problems);
  if (cost !== undefined) fields.cost = cost;
  if (typeof raw.tenant === 'string' && raw.tenant !== '') fields.tenant = raw.tenant;
  const progress = readRegExp(raw.progress, [...base, 'progress'], problems);
  if (progress !== undefined) fields.progress = progress;
  if (typeof raw.total === 'number' && raw.total > 0 && Number.isFinite(raw.total)) fields.total = raw.total;
  const estimateMs = readDuration(raw.estimate, [...base, 'estimate'], problems);
  if (estimateMs !== undefined) fields.estimateMs = estimateMs;
  return fields;
}

/** A job's `cmd` at `path`; `undefined` when of a type the shape check refused. */
export function readCommand(raw: unknown, path: FieldPath): CommandTemplate | undefined {
  if (typeof raw === 'string') return { kind: 'shell', script: { text: raw, path } };
  if (!Array.isArray(raw)) return undefined;
  const argv = raw.map((arg, i) => ({ text: String(arg), path: [...path, i] }));
  return { kind: 'argv', argv };
}

function readEnv(raw: unknown, base: FieldPath): Map<string, Template> {
  const env = new Map<string, Template>();
  for (const [name, value] of entriesOf(raw)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      env.set(name, { text: String(value), path: [...base, name] });
  }
  return env;
}

/** A duration in ms, reporting a malformed one; `undefined` when absent or of a type the shape check refused. */
function readDuration(raw: unknown, path: FieldPath, problems: Problem[]): number | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const ms = parseDuration(raw);
  if (typeof ms === 'number') return ms;
  report(problems, path, 'value', `${fieldLabel(path)}: ${ms}`);
  return undefined;
}

function readTimeout(raw: unknown, path: FieldPath, problems: Problem[]): number | undefined {
  const ms = readDuration(raw, path, problems);
  if (ms === undefined) return undefined;
  // Timers cannot wait longer than MAX_TIMER_DELAY_MS, and a zero limit would fail every attempt at once.
  if (ms > 0 && ms <= MAX_TIMER_DELAY_MS) return ms;
  report(
    problems,
    path,
    'value',
    `${fieldLabel(path)} must be more than 0 and at most ${MAX_TIMER_DELAY_MS}ms (24.8 days)`,
  );
  return undefined;
}

/** `retry: N` means N retries (N + 1 tries); the mapping form counts every try, as `RetryOptions` does. */
function readRetry(raw: unknown, path: FieldPath, problems: Problem[]): RetryOptions | undefined {
  if (Number.isInteger(raw) && (raw as number) >= 0) return { attempts: (raw as number) + 1 };
  if (!isFields(raw)) return undefined;
  // Read even when `attempts` is malformed, so the backoff's own problems are reported too.
  const backoff = isFields(raw.backoff)
    ? readBackoff(raw.backoff, [...path, 'backoff'], problems)
    : undefined;
  if (!Number.isInteger(raw.attempts) || (raw.attempts as number) < 1) return undefined;
  return backoff === undefined
    ? { attempts: raw.attempts as number }
    : { attempts: raw.attempts as number, backoff };
}

/** A backoff delay: a timer must be able to wait it (zero is allowed: retry at once). */
function readDelay(raw: unknown, path: FieldPath, problems: Problem[]): number | undefined {
  const ms = readDuration(raw, path, problems);
  if (ms === undefined || ms <= MAX_TIMER_DELAY_MS) return ms;
  report(problems, path, 'value', `${fieldLabel(path)} must be at most ${MAX_TIMER_DELAY_MS}ms (24.8 days)`);
  return undefined;
}

function readBackoff(raw: Fields, path: FieldPath, problems: Problem[]): BackoffOptions {
  const backoff: BackoffOptions = {};
  const initialMs = readDelay(raw.initial, [...path, 'initial'], problems);
  if (initialMs !== undefined) backoff.initialMs = initialMs;
  if (typeof raw.factor === 'number' && raw.factor >= 1 && Number.isFinite(raw.factor))
    backoff.factor = raw.factor;
  const maxMs = readDelay(raw.max, [...path, 'max'], problems);
  if (maxMs !== undefined) backoff.maxMs = maxMs;
  if (typeof raw.jitter === 'number' && raw.jitter >= 0 && raw.jitter <= 1) backoff.jitter = raw.jitter;
  return backoff;
}

function readRegExp(raw: unknown, path: FieldPath, problems: Problem[]): RegExp | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    return new RegExp(raw);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    report(problems, path, 'value', `${fieldLabel(path)} is not a valid regular expression (${reason})`);
    return undefined;
  }
}
