export { type Deferred, deferred } from '../support/async.js';

/** Lets queued microtasks and immediate callbacks run (the scheduler decides on a microtask). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How a handle settled, without ever leaving a rejection unobserved. */
export async function outcome(
  p: PromiseLike<unknown>,
): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The error code a handle rejected with (throws if it fulfilled). */
export async function codeOf(p: PromiseLike<unknown>): Promise<string> {
  const r = await outcome(p);
  if (r.ok) throw new Error(`expected a rejection, got ${String(r.value)}`);
  return (r.error as { code?: string }).code ?? `own:${(r.error as Error).message}`;
}
