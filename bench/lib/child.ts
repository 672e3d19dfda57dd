import { spawn } from 'node:child_process';

/** What one worker process produced. */
export type ChildResult =
  | { ok: true; metrics: Record<string, unknown>; wallMs: number }
  | { ok: false; error: string; wallMs: number };

/**
 * Runs one worker in its own node process (`--expose-gc`, tsx loader) and parses the last stdout line as JSON.
 * A non-zero exit, a missing/invalid JSON line or a timeout is a failure carrying the stderr tail.
 */
export function runWorker(
  cwd: string,
  worker: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<ChildResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', worker, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - t0;
      // The first lines carry the message (a stack trace follows).
      const tail = stderr.trim().split('\n').slice(0, 4).join(' / ');
      if (timedOut) return resolve({ ok: false, error: `timed out after ${timeoutMs} ms (killed)`, wallMs });
      if (code !== 0) {
        return resolve({ ok: false, error: `exit ${code ?? signal}${tail ? `: ${tail}` : ''}`, wallMs });
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed === null || typeof parsed !== 'object') throw new Error('not an object');
        resolve({ ok: true, metrics: parsed as Record<string, unknown>, wallMs });
      } catch {
        resolve({
          ok: false,
          error: `no JSON result on stdout (got ${JSON.stringify(line.slice(0, 200))})`,
          wallMs,
        });
      }
    });
  });
}
