import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { MissingTaskError } from '../../src/errors/source-errors.js';
import { DependencyGraph } from '../../src/graph/dependency-graph.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask } from '../../src/runner/types.js';
import { DependencySourceObj } from '../../src/sources/dependency-source-obj.js';
import { collect, ioTurns, nextValue, track } from '../support/async.js';

interface Named {
  name: string;
}

/** a; b, c depend on a — the scheduling reference's example. */
function sample() {
  const graph = new DependencyGraph<string>();
  graph.addNode('a');
  graph.addNode('b', ['a']);
  graph.addNode('c', ['a']);
  const tasks = new Map<string, Named>([
    ['a', { name: 'Task A' }],
    ['b', { name: 'Task B' }],
    ['c', { name: 'Task C' }],
  ]);
  return { graph, tasks, source: new DependencySourceObj(graph, tasks) };
}

function named(...keys: string[]): Map<string, Named> {
  return new Map(keys.map((k) => [k, { name: k }]));
}

describe('DependencySourceObj', () => {
  it('keeps a pre-existing graph.onReady and calls it before its own handler', () => {
    const graph = new DependencyGraph<string>();
    const calls: string[] = [];
    let source!: DependencySourceObj<string, Named>;
    graph.onReady = (key) => {
      // The source's own handler has not run yet: the key is not peekable from it.
      calls.push(`user:${key}:${source.peek()?.name ?? 'none'}`);
    };
    source = new DependencySourceObj(graph, named('a', 'b'));
    graph.addNode('a');
    expect(calls).toEqual(['user:a:none']);
    expect(source.peek()).toEqual({ name: 'a' });
  });

  it('a throwing pre-existing onReady does not lose the ready key', async () => {
    const graph = new DependencyGraph<string>();
    graph.onReady = () => {
      throw new Error('user handler');
    };
    const source = new DependencySourceObj(graph, named('a'));
    expect(() => graph.addNode('a')).toThrow('user handler');
    expect(await nextValue(source.next())).toEqual({ name: 'a' });
  });

  it('yields A, then B and C in Set order after complete(a), then is done', async () => {
    const { source } = sample();
    expect(await source.next()).toEqual({ done: false, value: { name: 'Task A' } });
    source.complete('a');
    expect(await nextValue(source.next())).toEqual({ name: 'Task B' });
    expect(await nextValue(source.next())).toEqual({ name: 'Task C' });
    source.complete('b');
    source.complete('c');
    expect(await source.next()).toEqual({ done: true, value: undefined });
    expect(source.done).toBe(true);
  });

  it('peek() throws MissingTaskError naming the first ready key missing from taskMap', async () => {
    const graph = new DependencyGraph<string>();
    graph.addNode('present');
    graph.addNode('ghost');
    const source = new DependencySourceObj(graph, named('present'));
    expect(source.peek()).toEqual({ name: 'present' });
    await source.next();
    let error: unknown;
    try {
      source.peek();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingTaskError);
    expect((error as MissingTaskError).key).toBe('ghost');
    expect((error as Error).message).toContain('"ghost"');
    await expect(source.next()).rejects.toBeInstanceOf(MissingTaskError);
  });

  it('the task map is read lazily: it may be filled after construction', async () => {
    const graph = new DependencyGraph<string>();
    graph.addNode('A');
    const tasks = new Map<string, Named>();
    const source = new DependencySourceObj(graph, tasks);
    tasks.set('A', { name: 'A' });
    expect(await nextValue(source.next())).toEqual({ name: 'A' });
  });

  it('exposes its graph and calls graph.start(key) as it yields', async () => {
    const { graph, source } = sample();
    expect(source.dependencyGraph).toBe(graph);
    expect(graph.getState('a')).toBe('ready');
    await source.next();
    expect(graph.getState('a')).toBe('running');
  });

  it('peek() shows exactly what the next next() yields, and does not consume', async () => {
    const graph = new DependencyGraph<string>();
    for (const k of ['x', 'y', 'z']) graph.addNode(k);
    const source = new DependencySourceObj(graph, named('x', 'y', 'z'));
    for (const expected of ['x', 'y', 'z']) {
      const peeked = source.peek();
      expect(source.peek()).toBe(peeked);
      expect(peeked?.name).toBe(expected);
      expect(await nextValue(source.next())).toBe(peeked);
    }
    expect(source.peek()).toBeUndefined();
  });

  it('yields in the order keys became ready; a retried key goes to the back', async () => {
    const graph = new DependencyGraph<string>();
    graph.addNode('a');
    graph.addNode('b');
    const source = new DependencySourceObj(graph, named('a', 'b', 'c'));
    expect(await nextValue(source.next())).toEqual({ name: 'a' });
    source.fail('a');
    graph.addNode('c');
    expect(await nextValue(source.next())).toEqual({ name: 'b' });
    expect(await nextValue(source.next())).toEqual({ name: 'a' });
    expect(await nextValue(source.next())).toEqual({ name: 'c' });
  });

  it('skips keys started or aborted elsewhere in the meantime', async () => {
    const graph = new DependencyGraph<string>();
    for (const k of ['a', 'b', 'c']) graph.addNode(k);
    const source = new DependencySourceObj(graph, named('a', 'b', 'c'));
    graph.start('a');
    expect(source.peek()).toEqual({ name: 'b' });
    graph.abort('b');
    expect(source.peek()).toEqual({ name: 'c' });
    expect(await nextValue(source.next())).toEqual({ name: 'c' });
    expect(graph.getState('c')).toBe('running');
  });

  it('waits while nothing is ready and the graph is not done, and wakes when a key becomes ready', async () => {
    const { source } = sample();
    await source.next();
    const pending = track(source.next());
    await ioTurns(3);
    expect(pending.settled).toBe(false);
    expect(source.peek()).toBeUndefined();
    source.complete('a');
    expect(await nextValue(pending.promise)).toEqual({ name: 'Task B' });
  });

  it('an empty graph is done at once', async () => {
    const source = new DependencySourceObj(new DependencyGraph<string>(), new Map<string, Named>());
    expect(source.peek()).toBeUndefined();
    expect(await source.next()).toEqual({ done: true, value: undefined });
  });

  it('ends when abort() leaves the graph done, while a pull waits', async () => {
    const { source } = sample();
    await source.next();
    const pending = track(source.next());
    await ioTurns(3);
    expect(source.abort('a')).toEqual(['a', 'b', 'c']);
    expect(await pending.promise).toEqual({ done: true, value: undefined });
    expect(source.done).toBe(true);
  });

  it('ends when user code aborts or completes directly on the graph', async () => {
    const aborted = sample();
    await aborted.source.next();
    const p1 = aborted.source.next();
    aborted.graph.abort('a');
    expect(await p1).toEqual({ done: true, value: undefined });

    const graph = new DependencyGraph<string>();
    graph.addNode('only');
    const source = new DependencySourceObj(graph, named('only'));
    await source.next();
    const p2 = source.next();
    graph.complete('only');
    expect(await p2).toEqual({ done: true, value: undefined });
  });

  it('picks up nodes added to the graph during a run', async () => {
    const graph = new DependencyGraph<string>();
    graph.addNode('a');
    const map = named('a');
    const source = new DependencySourceObj(graph, map);
    await source.next();
    const waiting = source.next();
    map.set('late', { name: 'late' });
    graph.addNode('late', ['a']);
    map.set('now', { name: 'now' });
    graph.addNode('now');
    expect(await nextValue(waiting)).toEqual({ name: 'now' });
    source.complete('a');
    expect(await nextValue(source.next())).toEqual({ name: 'late' });
    source.complete('now');
    source.complete('late');
    expect((await source.next()).done).toBe(true);
  });

  it('drives ScheduledTaskPoolRunner through the bridge pattern', async () => {
    const graph = new DependencyGraph<string>();
    graph.addNode('A');
    graph.addNode('B', ['A']);
    graph.addNode('C', ['A']);
    graph.addNode('D', ['B', 'C']);
    let source!: DependencySourceObj<string, ScheduledTask<never, string>>;
    const started: string[] = [];
    const task = (key: string, n: number): ScheduledTask<never, string> => ({
      key,
      runner: async () => {
        started.push(key);
        await ioTurns(n);
        return `${key} done`;
      },
      onComplete: (k) => {
        source.complete(k);
      },
    });
    source = new DependencySourceObj(
      graph,
      new Map([
        ['A', task('A', 1)],
        ['B', task('B', 3)],
        ['C', task('C', 1)],
        ['D', task('D', 1)],
      ]),
    );
    const runner = new ScheduledTaskPoolRunner('dep', source, new ResourceCapacitySource({ capacity: 2 }));
    const envelopes = await collect(runner.runTasks());
    expect(envelopes.map((e) => e.value)).toEqual(['A done', 'C done', 'B done', 'D done']);
    expect(started).toEqual(['A', 'B', 'C', 'D']);
    expect(graph.isDone).toBe(true);
  });
});
