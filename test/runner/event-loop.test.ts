import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask } from '../../src/runner/types.js';

const instant = async (): Promise<number> => 1;

function tasks(n: number): ScheduledTask<never, number>[] {
  return Array.from({ length: n }, (_, i) => ({ key: `t${i}`, cost: { slots: 1 }, runner: instant }));
}

describe('a long run of tasks that settle at once leaves room for timers and I/O', () => {
  it.each([
    ['a small budget, refilled after each task', 16],
    ['one fill that starts a huge batch at once (budget larger than the queue)', 100_000],
  ])('a timer due during the run fires before the run ends: %s', async (_, slots) => {
    const n = 100_000;
    let firedAt = -1;
    let count = 0;
    setTimeout(() => {
      firedAt = count;
    }, 0);
    const pool = new ResourceCapacitySource({ slots });
    for await (const e of new ScheduledTaskPoolRunner('r', new SourceBufferObj(tasks(n)), pool).runTasks()) {
      if (e.type === 'FINAL') count++;
    }
    expect(count).toBe(n);
    expect(firedAt).toBeGreaterThanOrEqual(0);
    expect(firedAt).toBeLessThan(n);
  });
});
