import { afterAll, afterEach, beforeAll } from 'vitest';

// Registered in vitest.config.ts (`setupFiles`), so it runs for every test file: a test that leaves an
// unhandled promise rejection behind fails, and the failure names that test and the rejection.
//
// Vitest on its own reports such rejections as errors of the whole run, without failing a test, and it stops
// reporting them while another `unhandledRejection` listener exists: this listener then has to report them
// all. It stays registered for the whole file, so a rejection that surfaces between two tests is blamed on
// the next check rather than lost, and one after the last test fails the file.

// Captured before any test runs: a test that installs fake timers must not stall the check.
const realSetImmediate = globalThis.setImmediate;

const unhandled: unknown[] = [];
const record = (reason: unknown): void => {
  unhandled.push(reason);
};

/** Lets the callbacks a test left pending run first (three event-loop turns, on the real clock). */
async function letPendingCallbacksRun(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => realSetImmediate(resolve));
}

function describeReason(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
}

function failIfAny(when: string): void {
  if (unhandled.length === 0) return;
  const reasons = unhandled.splice(0);
  const count =
    reasons.length === 1 ? 'an unhandled promise rejection' : `${reasons.length} unhandled rejections`;
  throw new Error(`${count} ${when}: ${reasons.map(describeReason).join('; ')}`, { cause: reasons[0] });
}

beforeAll(() => {
  process.on('unhandledRejection', record);
});

afterEach(async () => {
  await letPendingCallbacksRun();
  failIfAny('during this test');
});

afterAll(async () => {
  await letPendingCallbacksRun();
  process.off('unhandledRejection', record);
  failIfAny('after the last test of this file');
});
