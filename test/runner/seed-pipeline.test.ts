import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runSeedPipeline } from '../../examples/multi-resource-scheduling.js';

describe('the seed pipeline (corrected output)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function runWithFakeClock() {
    const done = runSeedPipeline({
      sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
      now: () => Date.now(),
      print: () => {},
    });
    await vi.advanceTimersByTimeAsync(2_000);
    return done;
  }

  it('prints the corrected envelope sequence and budgets: each cost is released before its FINAL is yielded', async () => {
    const report = await runWithFakeClock();
    expect(report.envelopes.map((e) => [e.type, e.taskId, e.value, e.available])).toEqual([
      ['FINAL', 1, 'encode:done', { gpu: 2, cpu: 3 }],
      ['INTERMEDIATE', 2, 'features:25%', { gpu: 0, cpu: 0 }],
      ['FINAL', 3, 'thumbs:done', { gpu: 1, cpu: 1 }],
      ['INTERMEDIATE', 2, 'features:75%', { gpu: 1, cpu: 1 }],
      ['FINAL', 2, 'features:done', { gpu: 2, cpu: 3 }],
    ]);
    expect(report.lines).toContain('done: all scheduled tasks finished');
  });

  it('encode runs alone; features and thumbs overlap; the run beats a sequential one', async () => {
    const { held, makespan, peak } = await runWithFakeClock();
    const get = (key: string) => held.find((h) => h.key === key)!;
    const encode = get('encode');
    const features = get('features');
    const thumbs = get('thumbs');
    const overlaps = (a: typeof encode, b: typeof encode) => a.start < b.end && b.start < a.end;
    expect(overlaps(encode, features)).toBe(false);
    expect(overlaps(encode, thumbs)).toBe(false);
    expect(overlaps(features, thumbs)).toBe(true);
    expect(features.start).toBeGreaterThanOrEqual(encode.end);
    // Sequential would take 450 + 360 + 220 = 1030 ms of (fake) time.
    expect(makespan).toBeLessThan(1030);
    expect(peak).toEqual({ gpu: 2, cpu: 3 });
  });

  it('prints a timeline row per task and a one-line summary', async () => {
    const { lines } = await runWithFakeClock();
    expect(lines.filter((l) => l.includes('|')).length).toBe(3);
    expect(lines.at(-1)).toMatch(/^summary: 3 tasks, makespan \d+ ms, peak use gpu 2\/2, cpu 3\/3$/);
  });
});
