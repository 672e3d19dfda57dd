import { describe, expect, it } from 'vitest';
import { DependencyGraph } from '../../src/graph/dependency-graph.js';

// Correctness at 100,000 nodes; the algorithm must be linear, but timing belongs to the benchmark.
const N = 100_000;

/** Starts and completes every node in the order it became ready (as a source would); returns that order. */
function drain(graph: DependencyGraph<number>, queue: number[]): number[] {
  for (let i = 0; i < queue.length; i++) {
    const k = queue[i] as number;
    graph.start(k);
    graph.complete(k);
  }
  return queue;
}

/** A graph whose onReady feeds a queue. */
function queued(): { graph: DependencyGraph<number>; queue: number[] } {
  const graph = new DependencyGraph<number>();
  const queue: number[] = [];
  graph.onReady = (k) => queue.push(k);
  return { graph, queue };
}

describe('DependencyGraph at 100,000 nodes', () => {
  it('a chain built by addNode drains in order', () => {
    const { graph, queue } = queued();
    graph.addNode(0);
    for (let i = 1; i < N; i++) graph.addNode(i, [i - 1]);
    expect(graph.hasCycle()).toBe(false); // iterative DFS: no stack overflow
    const order = graph.topologicalSort();
    expect(order).toHaveLength(N);
    expect(order.every((k, i) => k === i)).toBe(true);
    const ran = drain(graph, queue);
    expect(ran).toHaveLength(N);
    expect(ran.every((k, i) => k === i)).toBe(true);
    expect(graph.isDone).toBe(true);
    expect(graph.completed.size).toBe(N);
  });

  it('a chain given to addAll in reverse order drains in order; aborting its root aborts all of it', () => {
    const batch = new Map<number, number[]>();
    for (let i = N - 1; i > 0; i--) batch.set(i, [i - 1]);
    batch.set(0, []);
    const { graph, queue } = queued();
    graph.addAll(batch);
    expect(queue).toEqual([0]);
    const ran = drain(graph, queue);
    expect(ran.every((k, i) => k === i)).toBe(true);
    expect(graph.isDone).toBe(true);

    const other = new DependencyGraph<number>();
    other.addAll(batch);
    const aborted = other.abort(0);
    expect(aborted).toHaveLength(N);
    expect(aborted.every((k, i) => k === i)).toBe(true);
    expect(other.isDone).toBe(true);
  });

  it('a wide fan-out and fan-in (root → 100,000 → sink) drains correctly', () => {
    const { graph, queue } = queued();
    const batch = new Map<number, number[]>();
    const middle = Array.from({ length: N }, (_, i) => i + 1);
    batch.set(N + 1, middle); // sink depends on every middle node
    for (const k of middle) batch.set(k, [0]);
    batch.set(0, []);
    graph.addAll(batch);
    expect(queue).toEqual([0]);
    graph.start(0);
    const freed = graph.complete(0);
    expect(freed).toHaveLength(N);
    expect(graph.ready.size).toBe(N);
    const ran = drain(graph, queue.slice(1));
    expect(ran).toHaveLength(N);
    expect(queue[queue.length - 1]).toBe(N + 1); // the sink, freed by the last middle node
    graph.start(N + 1);
    expect(graph.complete(N + 1)).toEqual([]);
    expect(graph.isDone).toBe(true);
    expect(graph.completed.size).toBe(N + 2);
    expect(graph.getDependencies(N + 1).size).toBe(N);
    expect(graph.topologicalSort()).toHaveLength(N + 2);
  });
});
