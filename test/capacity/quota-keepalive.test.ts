import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('../fixtures/quota-keepalive.ts', import.meta.url));

describe('quota timers and process lifetime', () => {
  it('a runner waiting for a refill keeps the process alive; an idle timer does not', async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', fixture],
        { timeout: 15_000 },
        (error, out) => {
          resolve({ code: error === null ? 0 : (child.exitCode ?? 1), stdout: out });
        },
      );
    });
    expect(stdout.trim().split('\n')).toEqual(['FINAL t1', 'FINAL t2', 'FINAL t3', 'done']);
    expect(code).toBe(0); // exited by itself, although the timer was never stopped
  });
});
