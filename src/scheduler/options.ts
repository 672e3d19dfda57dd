import { show } from '../errors/allot-error.js';
import { InvalidOptionError } from '../errors/option-errors.js';
import { TaskExtras } from './task.js';
import type { AddOptions, SchedulerOptions } from './types.js';

/** Scheduler options with defaults applied (capacity aside). */
export interface ResolvedOptions {
  order: 'fifo' | 'backfill';
  maxBypass: number;
  maxBypassMs: number;
  agingRate: number;
  maxAgeBoost: number;
  now: () => number;
  keepSettled: number;
}

const defaultNow = (): number => performance.now();

/** Validates the scheduler's options (all but the budget and default cost) and fills in defaults. */
export function resolveOptions(o: SchedulerOptions): ResolvedOptions {
  if (typeof o !== 'object' || o === null) throw new InvalidOptionError('options', o, 'an object');
  const order = o.order ?? 'backfill';
  if (order !== 'fifo' && order !== 'backfill')
    throw new InvalidOptionError('order', order, "'fifo' or 'backfill'");
  const maxBypass = o.maxBypass ?? 16;
  if (!Number.isInteger(maxBypass) || maxBypass < 0)
    throw new InvalidOptionError('maxBypass', maxBypass, 'an integer ≥ 0');
  const maxBypassMs = o.maxBypassMs ?? Number.POSITIVE_INFINITY;
  if (typeof maxBypassMs !== 'number' || Number.isNaN(maxBypassMs) || maxBypassMs < 0)
    throw new InvalidOptionError('maxBypassMs', maxBypassMs, 'a number of milliseconds ≥ 0');
  let agingRate = 0;
  let maxAgeBoost = Number.POSITIVE_INFINITY;
  if (o.aging !== undefined) {
    if (typeof o.aging !== 'object' || o.aging === null)
      throw new InvalidOptionError('aging', o.aging, '{ rate, maxBoost? }');
    agingRate = o.aging.rate;
    if (typeof agingRate !== 'number' || !Number.isFinite(agingRate) || agingRate < 0)
      throw new InvalidOptionError('aging.rate', agingRate, 'a finite number ≥ 0 (priority per millisecond)');
    maxAgeBoost = o.aging.maxBoost ?? Number.POSITIVE_INFINITY;
    if (typeof maxAgeBoost !== 'number' || Number.isNaN(maxAgeBoost) || maxAgeBoost < 0)
      throw new InvalidOptionError('aging.maxBoost', maxAgeBoost, 'a number ≥ 0 (Infinity for no cap)');
  }
  const now = o.now ?? defaultNow;
  if (typeof now !== 'function')
    throw new InvalidOptionError('now', now, 'a function returning milliseconds');
  const keepSettled = o.keepSettled ?? 1000;
  if (!(Number.isInteger(keepSettled) || keepSettled === Number.POSITIVE_INFINITY) || keepSettled < 0)
    throw new InvalidOptionError('keepSettled', keepSettled, 'an integer ≥ 0 or Infinity');
  return { order, maxBypass, maxBypassMs, agingRate, maxAgeBoost, now, keepSettled };
}

/** Validates the per-task options other than cost and dependencies; returns the rarely used ones, if any. */
export function taskExtras<T>(task: { readonly key: string }, o: AddOptions): TaskExtras<T> | undefined {
  if (o.priority !== undefined && (typeof o.priority !== 'number' || !Number.isFinite(o.priority)))
    throw new InvalidOptionError(
      where('priority', task.key),
      o.priority,
      'a finite number (higher starts first)',
    );
  if (o.tenant !== undefined && typeof o.tenant !== 'string')
    throw new InvalidOptionError(where('tenant', task.key), o.tenant, 'a string');
  const { timeoutMs, queueTimeoutMs, retry, signal, onProgress, tenant } = o;
  if (
    tenant === undefined &&
    timeoutMs === undefined &&
    queueTimeoutMs === undefined &&
    retry === undefined &&
    signal === undefined &&
    onProgress === undefined
  )
    return undefined;
  if (timeoutMs !== undefined) positiveMs(where('timeoutMs', task.key), timeoutMs);
  if (queueTimeoutMs !== undefined) positiveMs(where('queueTimeoutMs', task.key), queueTimeoutMs);
  if (retry !== undefined) checkRetry(task.key, retry);
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new InvalidOptionError(where('signal', task.key), signal, 'an AbortSignal');
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw new InvalidOptionError(where('onProgress', task.key), onProgress, 'a function');
  const x = new TaskExtras<T>();
  x.timeoutMs = timeoutMs;
  x.queueTimeoutMs = queueTimeoutMs;
  x.retry = retry;
  x.signal = signal;
  x.onProgress = onProgress as ((value: never) => void) | undefined;
  x.tenant = tenant;
  return x;
}

/** Names an option of one task in an error message. */
function where(field: string, key: string): string {
  return `${field} of task ${show(key)}`;
}

function positiveMs(option: string, value: number | undefined): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value > 0) || value > 2_147_483_647)
    throw new InvalidOptionError(option, value, 'a number of milliseconds > 0 (at most 2147483647)');
}

function checkRetry(key: string, retry: NonNullable<AddOptions['retry']>): void {
  if (typeof retry !== 'object' || retry === null)
    throw new InvalidOptionError(where('retry', key), retry, '{ attempts, backoff?, retryOn? }');
  if (!Number.isInteger(retry.attempts) || retry.attempts < 1)
    throw new InvalidOptionError(
      where('retry.attempts', key),
      retry.attempts,
      'an integer ≥ 1 (total tries)',
    );
  if (retry.retryOn !== undefined && typeof retry.retryOn !== 'function')
    throw new InvalidOptionError(
      where('retry.retryOn', key),
      retry.retryOn,
      'a function (error, attempt) => boolean',
    );
  const b = retry.backoff;
  if (b === undefined) return;
  if (typeof b !== 'object' || b === null)
    throw new InvalidOptionError(where('retry.backoff', key), b, '{ initialMs?, factor?, maxMs?, jitter? }');
  const nonNegative = (field: string, v: number | undefined, allowInfinity: boolean): void => {
    if (v === undefined) return;
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || (!allowInfinity && !Number.isFinite(v)))
      throw new InvalidOptionError(where(`retry.backoff.${field}`, key), v, 'a finite number ≥ 0');
  };
  nonNegative('initialMs', b.initialMs, false);
  nonNegative('factor', b.factor, false);
  nonNegative('maxMs', b.maxMs, true);
  nonNegative('jitter', b.jitter, false);
  if (b.jitter !== undefined && b.jitter > 1)
    throw new InvalidOptionError(where('retry.backoff.jitter', key), b.jitter, 'a fraction from 0 to 1');
}
