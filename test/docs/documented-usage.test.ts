import { describe, expect, it } from 'vitest';
import {
  BufferMode,
  type CapacityAcquireAcceptedEvent,
  type CapacityAcquireRejectedEvent,
  type CapacityIncrementEvent,
  type CapacityMetricsSnapshot,
  type CapacityReleaseEvent,
  type CapacityResetEvent,
  type CapacitySetLimitsEvent,
  DefaultCapacityMetricsCollector,
  type ICapacityMetricsCollector,
  type MetricAttrs,
  type MetricsSink,
  type MetricsSnapshot,
  ResourceCapacitySource,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
  SourceBufferObj,
  WaitObject,
} from '../../src/index.js';

// Each test below is written the way the original documentation writes the usage, and must both type-check
// (the suite's typecheck covers this file) and run.

describe('the documented usage compiles and runs', () => {
  it('a metrics collector written against the documented event names', () => {
    const seen: string[] = [];
    class LoggingCollector implements ICapacityMetricsCollector {
      readonly #inner = new DefaultCapacityMetricsCollector();
      onTryAcquireAccepted(e: CapacityAcquireAcceptedEvent): void {
        seen.push(`accepted ${JSON.stringify(e.requested)}`);
        this.#inner.onTryAcquireAccepted(e);
      }
      onTryAcquireRejected(e: CapacityAcquireRejectedEvent): void {
        seen.push(`rejected ${e.reason}`);
        this.#inner.onTryAcquireRejected(e);
      }
      onRelease(e: CapacityReleaseEvent): void {
        this.#inner.onRelease(e);
      }
      onReset(e: CapacityResetEvent): void {
        this.#inner.onReset(e);
      }
      onIncrement(e: CapacityIncrementEvent): void {
        this.#inner.onIncrement(e);
      }
      onSetLimits(e: CapacitySetLimitsEvent): void {
        this.#inner.onSetLimits(e);
      }
      snapshot(nowMs?: number): CapacityMetricsSnapshot {
        return this.#inner.snapshot(nowMs);
      }
    }
    const pool = new ResourceCapacitySource({ gpu: 1 }, undefined, new LoggingCollector());
    pool.tryAcquire({ gpu: 1 });
    pool.tryAcquire({ gpu: 1 });
    expect(seen).toEqual(['accepted {"gpu":1}', 'rejected insufficient_capacity']);
  });

  it('a metrics sink receives a whole snapshot { capturedAtMs, capacity?, chain? }', () => {
    const exported: MetricsSnapshot[] = [];
    const sink: MetricsSink = {
      counter: (_name: string, _delta?: number, _attrs?: MetricAttrs) => {},
      gauge: () => {},
      duration: () => {},
      snapshot: (s: MetricsSnapshot) => {
        exported.push(s);
      },
    };
    const collector = new DefaultCapacityMetricsCollector();
    const pool = new ResourceCapacitySource({ gpu: 2 }, undefined, collector);
    pool.tryAcquire({ gpu: 1 });
    const capacity = collector.snapshot(1_000);
    sink.snapshot?.({ capturedAtMs: capacity.capturedAtMs, capacity });
    expect(exported).toHaveLength(1);
    expect(exported[0]?.capacity?.inFlightByResource).toEqual({ gpu: 1 });
    expect(exported[0]?.chain).toBeUndefined();
  });

  it('the peek-check-acquire loop, written by hand over a pull source', async () => {
    const capacity = new ResourceCapacitySource({ gpu: 2, cpu: 3 });
    const source = new SourceBufferObj<ScheduledTask<string, string>>([
      { key: 'encode', cost: { gpu: 2, cpu: 1 }, runner: async () => 'encode:done' },
      { key: 'thumbs', cost: { gpu: 1, cpu: 1 }, runner: async () => 'thumbs:done' },
    ]);
    const results: string[] = [];
    while (!source.done) {
      const next = source.peek();
      if (next === undefined) break;
      const cost = next.cost ?? { capacity: 1 };
      if (!capacity.canAcquire(cost)) break;
      const consumed = await source.next();
      if (source.done) break;
      // After the done check, value is the task: no cast and no non-null assertion needed.
      capacity.acquireImmediate(consumed.value.cost ?? { capacity: 1 });
      results.push(
        (await consumed.value.runner({
          key: consumed.value.key,
          taskId: results.length + 1,
          signal: new AbortController().signal,
          reconcile: () => {},
        })) as string,
      );
      capacity.release(consumed.value.cost ?? { capacity: 1 });
    }
    expect(results).toEqual(['encode:done', 'thumbs:done']);
    expect(capacity.available).toEqual({ gpu: 2, cpu: 3 });
  });

  it('a producer sends a value and stops; the consumer prints both values', async () => {
    const wait = new WaitObject<string>('demo');
    const printed: string[] = [];
    const consumer = (async () => {
      for await (const value of wait) printed.push(value);
    })();
    wait.resolve('hello');
    await Promise.resolve();
    wait.resolve('world');
    wait.stop();
    await consumer;
    expect(printed).toEqual(['hello', 'world']);
  });

  it('BufferMode is an enum with FIFO and LIFO members', () => {
    expect(BufferMode.FIFO).toBe(0);
    expect(BufferMode.LIFO).toBe(1);
    expect(BufferMode[BufferMode.LIFO]).toBe('LIFO');
    const lifo = new SourceBufferObj([1, 2, 3], true, BufferMode.LIFO);
    expect(lifo.peek()).toBe(3);
  });

  it('awaiting runTasks() instead of iterating it is a type error', () => {
    const runner = new ScheduledTaskPoolRunner('r', new SourceBufferObj([]), new ResourceCapacitySource({}));
    const mistake = async () => {
      // @ts-expect-error: runTasks() returns an async generator to iterate with for await, not a promise.
      await runner.runTasks();
    };
    expect(typeof mistake).toBe('function');
  });
});
