import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Scheduler, type SimulatedTask, simulate } from '../../src/index.js';

afterEach(() => {
  vi.useRealTimers();
});

const SHAPES = [{ gpu: 2, cpu: 1 }, { gpu: 1, cpu: 2 }, { cpu: 1 }, { cpu: 3 }, { gpu: 1 }];
const LIMITS = { gpu: 2, cpu: 4 };

/** Random workloads: costs from a few shapes, whole-ms durations, priorities, dependencies on earlier tasks. */
const workload = fc
  .array(
    fc.record({
      shape: fc.nat(SHAPES.length - 1),
      durationMs: fc.integer({ min: 0, max: 40 }),
      priority: fc.integer({ min: 0, max: 3 }),
      deps: fc.array(fc.nat(), { maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((rows) =>
    rows.map((r, i): SimulatedTask => {
      const deps = i === 0 ? [] : [...new Set(r.deps.map((d) => `t${d % i}`))];
      return {
        key: `t${i}`,
        cost: { ...(SHAPES[r.shape] as Record<string, number>) },
        durationMs: r.durationMs,
        priority: r.priority,
        ...(deps.length > 0 && { deps }),
      };
    }),
  );

/** The same tasks through a Scheduler on fake timers: each task sleeps its duration with setTimeout. */
async function realRun(
  tasks: readonly SimulatedTask[],
  order: 'fifo' | 'backfill',
  maxBypass: number,
): Promise<{ starts: string[]; startAt: Map<string, number> }> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const t0 = Date.now();
  const s = new Scheduler({ limits: LIMITS, order, maxBypass, now: () => Date.now() - t0 });
  const starts: string[] = [];
  const startAt = new Map<string, number>();
  s.on('start', ({ key }) => {
    starts.push(key);
    startAt.set(key, Date.now() - t0);
  });
  s.addAll(
    tasks.map((t) => ({
      key: t.key,
      ...(t.cost !== undefined && { cost: t.cost }),
      ...(t.deps !== undefined && { deps: t.deps }),
      ...(t.priority !== undefined && { priority: t.priority }),
      run: () => new Promise<void>((resolve) => setTimeout(resolve, t.durationMs)),
    })),
  );
  await vi.runAllTimersAsync();
  await s.onIdle();
  vi.useRealTimers();
  return { starts, startAt };
}

describe('simulate', () => {
  it('the seed pipeline: encode alone, then features and thumbs side by side; a later upload after thumbs', async () => {
    const r = await simulate({
      limits: { gpu: 2, cpu: 3 },
      tasks: [
        { key: 'encode', cost: { gpu: 2, cpu: 1 }, durationMs: 450 },
        { key: 'features', cost: { gpu: 1, cpu: 2 }, durationMs: 360 },
        { key: 'thumbs', cost: { gpu: 1, cpu: 1 }, durationMs: 220 },
        { key: 'upload', cost: { cpu: 1 }, durationMs: 100, deps: ['thumbs'], arrivalMs: 50 },
      ],
    });
    expect(r.makespanMs).toBe(810);
    expect(r.tasks).toEqual([
      { key: 'encode', startMs: 0, endMs: 450, waitMs: 0 },
      { key: 'features', startMs: 450, endMs: 810, waitMs: 450 },
      { key: 'thumbs', startMs: 450, endMs: 670, waitMs: 450 },
      { key: 'upload', startMs: 670, endMs: 770, waitMs: 0 },
    ]);
    // gpu: 2×450 + 1×360 + 1×220 = 1480 of 2×810; cpu: 450 + 720 + 220 + 100 = 1490 of 3×810.
    expect(r.utilization.gpu).toBeCloseTo(1480 / 1620, 12);
    expect(r.utilization.cpu).toBeCloseTo(1490 / 2430, 12);
  });

  it('runs the same admission code: the same start order and start times as a real run on fake timers', async () => {
    await fc.assert(
      fc.asyncProperty(
        workload,
        fc.constantFrom<'fifo' | 'backfill'>('fifo', 'backfill'),
        fc.constantFrom(0, 1, 16),
        async (tasks, order, maxBypass) => {
          const sim = await simulate({ limits: LIMITS, order, maxBypass, tasks });
          const real = await realRun(tasks, order, maxBypass);
          expect(real.starts).toHaveLength(tasks.length);
          expect(sim.tasks.map((t) => t.key)).toEqual(real.starts);
          for (const t of sim.tasks) expect(t.startMs).toBe(real.startAt.get(t.key));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('later arrivals wait for their arrival; fifo and backfill differ as expected on a blocked head', async () => {
    const tasks: SimulatedTask[] = [
      { key: 'long', cost: { gpu: 1 }, durationMs: 100 },
      { key: 'big', cost: { gpu: 2 }, durationMs: 10, arrivalMs: 5 },
      { key: 'cpu', cost: { cpu: 1 }, durationMs: 10, arrivalMs: 6 },
    ];
    const fifo = await simulate({ limits: LIMITS, order: 'fifo', tasks });
    const backfill = await simulate({ limits: LIMITS, order: 'backfill', tasks });
    const at = (r: typeof fifo, key: string) => r.tasks.find((t) => t.key === key);
    expect(at(fifo, 'cpu')).toMatchObject({ startMs: 100, waitMs: 94 }); // behind the blocked head until it starts
    expect(at(backfill, 'cpu')).toMatchObject({ startMs: 6, waitMs: 0 }); // passes it
    expect(at(backfill, 'big')).toMatchObject({ startMs: 100, waitMs: 95 });
    for (const u of Object.values(backfill.utilization)) expect(u).toBeGreaterThanOrEqual(0);
    for (const u of Object.values(backfill.utilization)) expect(u).toBeLessThanOrEqual(1);
  });

  it('refuses bad input the way add does, naming the task', async () => {
    await expect(
      simulate({ limits: LIMITS, tasks: [{ key: 'x', cost: { gpu: 3 }, durationMs: 1 }] }),
    ).rejects.toMatchObject({ code: 'ALLOT_COST_EXCEEDS_LIMIT', message: expect.stringContaining('"x"') });
    await expect(simulate({ limits: LIMITS, tasks: [{ key: 'y', durationMs: -1 }] })).rejects.toMatchObject({
      code: 'ALLOT_INVALID_OPTION',
      message: expect.stringContaining('"y"'),
    });
    await expect(
      simulate({
        limits: LIMITS,
        tasks: [
          { key: 'z', durationMs: 1, deps: ['later'] },
          { key: 'later', durationMs: 1, arrivalMs: 5 },
        ],
      }),
    ).rejects.toMatchObject({ code: 'ALLOT_MISSING_DEPENDENCY' });
    expect(await simulate({ limits: LIMITS, tasks: [] })).toEqual({
      makespanMs: 0,
      utilization: { gpu: 0, cpu: 0 },
      tasks: [],
    });
  });
});
