import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask } from '../../src/runner/types.js';
import { collect, ioTurns } from '../support/async.js';
import { TaskSource } from '../support/sources.js';

describe('no lost wake-ups between runners sharing a pool', () => {
  it('a release landing between an asynchronous pull and the take it leads to still wakes the run', async () => {
    // Found by the runner property test: with a source whose next() is asynchronous, runner R2 decided its
    // head fits, pulled it, lost the capacity to R1 meanwhile, and R1 gave it back before R2 began waiting.
    const root = new ResourceCapacitySource({ a: 2.25, b: 1 });
    const pool = new ResourceCapacitySource({ a: 1.5, b: 1, c: 3 }, root);
    const r1: ScheduledTask<string, string>[] = [
      {
        key: 'r1-stream',
        cost: { a: 1, b: 1, c: 0.5 },
        runner: async function* () {
          for (let y = 0; y < 3; y++) {
            await ioTurns(1);
            yield `y${y}`;
          }
          return 'x';
        },
      },
      { key: 'r1-instant', cost: { b: 1, c: 0.25 }, runner: () => Promise.resolve('i') },
    ];
    const r2: ScheduledTask<string, string>[] = [
      {
        key: 'r2-slow',
        cost: { a: 0.25, b: 1, c: 2 },
        runner: async () => {
          await ioTurns(2);
          return 'r';
        },
      },
      { key: 'r2-next', cost: { b: 1, c: 2 }, runner: async () => 'n' },
      { key: 'r2-last', cost: { c: 1 }, runner: async () => 'l' },
    ];
    const [e1, e2] = await Promise.all([
      collect(new ScheduledTaskPoolRunner('R1', new TaskSource(r1), pool).runTasks(false)),
      collect(new ScheduledTaskPoolRunner('R2', new TaskSource(r2), pool).runTasks(false)),
    ]);
    expect(e1.filter((e) => e.type === 'FINAL').map((e) => e.key)).toEqual(['r1-stream', 'r1-instant']);
    expect(e2.filter((e) => e.type === 'FINAL').map((e) => e.key)).toEqual(['r2-slow', 'r2-next', 'r2-last']);
    expect([pool.available, root.available]).toEqual([
      { a: 1.5, b: 1, c: 3 },
      { a: 2.25, b: 1 },
    ]);
  });
});
