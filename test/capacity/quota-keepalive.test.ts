import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

function runFixture(name: string): Promise<{ code: number | null; stdout: string }> {
  const fixture = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', fixture],
      { timeout: 15_000 },
      (error, out) => {
        resolve({ code: error === null ? 0 : (child.exitCode ?? 1), stdout: out });
      },
    );
  });
}

describe('quota timers and process lifetime', () => {
  it('a runner waiting for a refill keeps the process alive; an idle timer does not', async () => {
    const { code, stdout } = await runFixture('quota-keepalive.ts');
    expect(stdout.trim().split('\n')).toEqual(['FINAL t1', 'FINAL t2', 'FINAL t3', 'done']);
    expect(code).toBe(0); // exited by itself, although the timer was never stopped
  });

  it('a runner waiting on a pool under a quota does not keep the process alive for the quota timer', async () => {
    const { code, stdout } = await runFixture('quota-exit.ts');
    // The process ends once the work is done, before the quota's first refill (5 s later) could happen.
    expect(stdout.trim().split('\n')).toEqual(['FINAL t1', 'FINAL t2', 'FINAL t3', 'done']);
    expect(code).toBe(0);
  });
});
