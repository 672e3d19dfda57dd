import { vi } from 'vitest';

/**
 * Runs a demo on vitest's fake clock: starts it with fake timers on, advances `stepMs` at a time until it
 * settles (at most `maxSteps` steps), and gives `settled` the result while the fake clock is still in place.
 */
export async function runOnFakeClock<T>(
  start: () => Promise<T>,
  {
    stepMs,
    maxSteps,
    settled,
  }: { stepMs: number; maxSteps: number; settled?: (result: T) => Promise<void> | void },
): Promise<T> {
  vi.useFakeTimers();
  try {
    const done = start();
    let finished = false;
    // Both branches: a demo that throws stops the advancing too, and its error surfaces from `await done`.
    void done.then(
      () => {
        finished = true;
      },
      () => {
        finished = true;
      },
    );
    for (let i = 0; i < maxSteps && !finished; i++) await vi.advanceTimersByTimeAsync(stepMs);
    const result = await done;
    await settled?.(result);
    return result;
  } finally {
    vi.useRealTimers();
  }
}

/** Imports an example with `console.log` silenced and counts what the import itself printed (should be 0). */
export async function importQuietly<M>(
  load: () => Promise<M>,
): Promise<{ module: M; printedOnImport: number }> {
  const consoleLog = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const module = await load();
    return { module, printedOnImport: consoleLog.mock.calls.length };
  } finally {
    consoleLog.mockRestore();
  }
}
