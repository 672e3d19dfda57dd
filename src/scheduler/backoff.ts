import type { BackoffOptions } from './types.js';

/** Delay before retry number `retry` (1 = the first retry): `min(maxMs, initialMs × factor^(retry−1))`, jittered. */
export function backoffDelay(
  backoff: BackoffOptions | undefined,
  retry: number,
  random: () => number,
): number {
  if (backoff === undefined) return 0;
  const initial = backoff.initialMs ?? 0;
  const factor = backoff.factor ?? 2;
  const max = backoff.maxMs ?? Number.POSITIVE_INFINITY;
  const jitter = backoff.jitter ?? 0;
  const delay = Math.min(max, initial * factor ** (retry - 1));
  return jitter > 0 ? delay * (1 - jitter * random()) : delay;
}
