import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CycleError,
  DuplicateKeyError,
  InvalidStateError,
  MissingDependencyError,
  UnknownKeyError,
} from '../../src/errors/index.js';
import { DependencyGraph } from '../../src/graph/dependency-graph.js';
import type { NodeState } from '../../src/graph/node-state.js';

function chain(...keys: string[]): DependencyGraph<string> {
  const graph = new DependencyGraph<string>();
  keys.forEach((key, i) => {
    graph.addNode(key, i === 0 ? [] : [keys[i - 1] as string]);
  });
  return graph;
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('wrong-state transitions and edge cases', () => {
  it('complete, fail and start in the wrong state throw InvalidStateError naming key, state and expected state', () => {
    const graph = chain('a', 'b');
    const error = caught(() => graph.complete('a'));
    expect(error).toBeInstanceOf(InvalidStateError);
    expect(error).toMatchObject({
      code: 'ALLOT_INVALID_STATE',
      key: 'a',
      state: 'ready',
      expected: 'running',
    });
    expect((error as Error).message).toMatch(/"a".*ready.*running/);
    expect(caught(() => graph.fail('b'))).toMatchObject({ key: 'b', state: 'pending', expected: 'running' });
    expect(caught(() => graph.start('b'))).toMatchObject({ key: 'b', state: 'pending', expected: 'ready' });
    expect(graph.getState('a')).toBe('ready');
  });

  it('a task aborted while running cannot complete or fail afterwards', () => {
    const graph = chain('a', 'b');
    graph.start('a');
    expect(graph.abort('a')).toEqual(['a', 'b']);
    expect(caught(() => graph.complete('a'))).toMatchObject({ state: 'aborted', expected: 'running' });
    expect(() => graph.fail('a')).toThrow(InvalidStateError);
    expect(graph.isDone).toBe(true);
  });

  it('abort on a completed node returns [] and changes nothing', () => {
    const graph = chain('a', 'b');
    graph.start('a');
    graph.complete('a');
    expect(graph.abort('a')).toEqual([]);
    expect(graph.getState('a')).toBe('completed');
    expect(graph.getState('b')).toBe('ready');
  });

  it('addNode with an aborted dependency adds the node aborted, fires nothing, and isDone is reachable', () => {
    const graph = chain('a', 'b');
    graph.abort('a');
    const readied: string[] = [];
    graph.onReady = (key) => readied.push(key);
    graph.addNode('c', ['b']);
    expect(graph.getState('c')).toBe('aborted');
    expect(graph.isDone).toBe(true);
    expect(readied).toEqual([]);
    // Aborted wins over a still-unfinished dependency too.
    graph.addNode('x');
    graph.addNode('y', ['x', 'a']);
    expect(graph.getState('y')).toBe('aborted');
  });

  it('an empty graph is done', () => {
    const graph = new DependencyGraph<number>();
    expect(graph.isDone).toBe(true);
    expect(graph.size).toBe(0);
    expect(graph.topologicalSort()).toEqual([]);
    expect(graph.hasCycle()).toBe(false);
  });

  it('nodes can be added after isDone and while a run is in progress', () => {
    const graph = chain('a');
    graph.start('a');
    graph.addNode('b', ['a']); // during the run
    expect(graph.getState('b')).toBe('pending');
    expect(graph.complete('a')).toEqual(['b']);
    graph.start('b');
    graph.complete('b');
    expect(graph.isDone).toBe(true);
    graph.addNode('c', ['b']);
    expect(graph.isDone).toBe(false);
    expect([...graph.ready]).toEqual(['c']);
    graph.addAll(new Map([['d', ['c', 'a']]]));
    expect(graph.getState('d')).toBe('pending');
  });
});

describe('unknown keys', () => {
  const graph = chain('a');
  const calls: Array<[string, (key: string) => unknown]> = [
    ['start', (k) => graph.start(k)],
    ['complete', (k) => graph.complete(k)],
    ['fail', (k) => graph.fail(k)],
    ['abort', (k) => graph.abort(k)],
    ['getState', (k) => graph.getState(k)],
    ['getDependencies', (k) => graph.getDependencies(k)],
    ['getDependents', (k) => graph.getDependents(k)],
  ];
  it.each(calls)('%s throws UnknownKeyError naming the key', (_name, call) => {
    const error = caught(() => call('ghost'));
    expect(error).toBeInstanceOf(UnknownKeyError);
    expect(error).toMatchObject({ code: 'ALLOT_UNKNOWN_KEY', key: 'ghost' });
    expect((error as Error).message).toContain('"ghost"');
  });

  it('has returns false', () => {
    expect(graph.has('ghost')).toBe(false);
    expect(graph.size).toBe(1);
  });
});

describe('addAll validation and rollback', () => {
  /** A graph with some history, plus a log of every callback, to prove a failed addAll changes nothing. */
  function seeded() {
    const graph = chain('root', 'mid');
    graph.start('root');
    graph.complete('root');
    const log: string[] = [];
    graph.onReady = (key) => log.push(`ready:${key}`);
    graph.onComplete = (key) => log.push(`complete:${key}`);
    const before = () => ({
      size: graph.size,
      ready: [...graph.ready],
      pending: [...graph.pending],
      order: graph.topologicalSort(),
      dependents: [...graph.getDependents('root')],
    });
    return { graph, log, snapshot: before(), now: before };
  }

  it('a key already in the graph throws DuplicateKeyError and adds nothing', () => {
    const { graph, log, snapshot, now } = seeded();
    const error = caught(() =>
      graph.addAll(
        new Map([
          ['new1', ['root']],
          ['mid', []],
        ]),
      ),
    );
    expect(error).toBeInstanceOf(DuplicateKeyError);
    expect(error).toMatchObject({ key: 'mid' });
    expect(graph.has('new1')).toBe(false);
    expect(now()).toEqual(snapshot);
    expect(log).toEqual([]);
  });

  it('a dependency in neither the graph nor the batch throws MissingDependencyError and adds nothing', () => {
    const { graph, log, snapshot, now } = seeded();
    const error = caught(() =>
      graph.addAll(
        new Map([
          ['new1', ['root']],
          ['new2', ['new1', 'ghost']],
        ]),
      ),
    );
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect(error).toMatchObject({ key: 'new2', dependency: 'ghost' });
    expect(graph.has('new1')).toBe(false);
    expect(now()).toEqual(snapshot);
    expect(log).toEqual([]);
  });

  it('a cycle in the batch throws CycleError listing the cycle, and adds nothing', () => {
    const { graph, log, snapshot, now } = seeded();
    const batch = new Map([
      ['ok', ['root']], // would be ready: proves no onReady fires on failure
      ['w', ['x']],
      ['x', ['y', 'mid']],
      ['y', ['z']],
      ['z', ['y']],
    ]);
    const error = caught(() => graph.addAll(batch));
    expect(error).toBeInstanceOf(CycleError);
    const cycle = (error as CycleError).cycle as string[];
    // Closed cycle: first key repeated at the end; each key depends on the next.
    expect(cycle[0]).toBe(cycle[cycle.length - 1]);
    expect(new Set(cycle)).toEqual(new Set(['y', 'z']));
    for (let i = 0; i + 1 < cycle.length; i++) {
      expect(batch.get(cycle[i] as string)).toContain(cycle[i + 1]);
    }
    expect((error as Error).message).toMatch(/"[yz]" -> "[yz]" -> "[yz]"/);
    for (const key of batch.keys()) expect(graph.has(key)).toBe(false);
    expect(now()).toEqual(snapshot);
    expect(log).toEqual([]);
  });

  it('a self-dependency in the batch is a CycleError', () => {
    const { graph, snapshot, now } = seeded();
    const error = caught(() => graph.addAll(new Map([['s', ['root', 's']]])));
    expect(error).toBeInstanceOf(CycleError);
    expect((error as CycleError).cycle).toEqual(['s', 's']);
    expect(now()).toEqual(snapshot);
  });

  it('batch entries may depend on graph nodes in any state; ready ones fire onReady in topological order', () => {
    const { graph, log } = seeded();
    graph.abort('mid');
    graph.addNode('other');
    graph.addAll(
      new Map([
        ['d', ['c', 'b']],
        ['c', ['a']],
        ['b', ['root']], // root completed: ready
        ['a', []], // ready
        ['e', ['other']], // pending
        ['f', ['mid']], // aborted dependency
        ['g', ['f']], // aborted through f
      ]),
    );
    expect(log).toEqual(['ready:other', 'ready:b', 'ready:a']);
    expect(graph.getState('d')).toBe('pending');
    expect(graph.getState('e')).toBe('pending');
    expect(graph.getState('f')).toBe('aborted');
    expect(graph.getState('g')).toBe('aborted');
    const order = graph.topologicalSort();
    for (const key of order) {
      for (const dep of graph.getDependencies(key))
        expect(order.indexOf(dep)).toBeLessThan(order.indexOf(key));
    }
  });

  it('an empty batch changes nothing', () => {
    const { graph, log, snapshot, now } = seeded();
    graph.addAll(new Map());
    expect(now()).toEqual(snapshot);
    expect(log).toEqual([]);
  });
});

describe('details', () => {
  it('a dependency listed twice counts once', () => {
    const graph = chain('a');
    graph.addNode('b', ['a', 'a']);
    graph.addAll(new Map([['c', ['b', 'a', 'b']]]));
    expect(graph.getDependencies('b')).toEqual(new Set(['a']));
    expect(graph.getDependents('a')).toEqual(new Set(['b', 'c']));
    graph.start('a');
    expect(graph.complete('a')).toEqual(['b']);
    graph.start('b');
    expect(graph.complete('b')).toEqual(['c']);
    expect(graph.topologicalSort()).toEqual(['a', 'b', 'c']);
  });

  it('complete returns freed dependents in the order they were added', () => {
    const graph = chain('a');
    graph.addNode('z', ['a']);
    graph.addNode('m', ['a']);
    graph.addNode('b', ['a']);
    graph.start('a');
    expect(graph.complete('a')).toEqual(['z', 'm', 'b']);
  });

  it('callbacks can be wrapped after construction', () => {
    const graph = new DependencyGraph<string>();
    const seen: string[] = [];
    graph.onReady = (key) => seen.push(`first:${key}`);
    const prev = graph.onReady;
    graph.onReady = (key) => {
      prev?.(key);
      seen.push(`second:${key}`);
    };
    graph.addNode('a');
    expect(seen).toEqual(['first:a', 'second:a']);
  });

  it('callbacks see a consistent graph and may call back into it', () => {
    const graph = new DependencyGraph<string>();
    const seen: string[] = [];
    graph.onComplete = (key) => {
      seen.push(`complete:${key} ready=${[...graph.ready].join(',')}`);
    };
    // Runs every task the moment it is ready, re-entrantly.
    graph.onReady = (key) => {
      seen.push(`ready:${key}`);
      graph.start(key);
      graph.complete(key);
    };
    graph.addAll(
      new Map([
        ['b', ['a']],
        ['a', []],
      ]),
    );
    expect(graph.isDone).toBe(true);
    expect(seen).toEqual(['ready:a', 'complete:a ready=b', 'ready:b', 'complete:b ready=']);
  });

  it('a node aborted by onComplete gets no onReady', () => {
    const graph = chain('a');
    graph.addNode('b', ['a']);
    graph.addNode('c', ['a']);
    const readied: string[] = [];
    graph.onReady = (key) => readied.push(key);
    graph.onComplete = () => graph.abort('b');
    graph.start('a');
    expect(graph.complete('a')).toEqual(['b', 'c']);
    expect(readied).toEqual(['c']);
    expect(graph.getState('b')).toBe('aborted');
  });

  it('a throwing callback does not stop the others; the graph is updated and the first error is rethrown', () => {
    const graph = chain('a');
    graph.addNode('b', ['a']);
    graph.addNode('c', ['a']);
    const readied: string[] = [];
    graph.onComplete = () => {
      throw new Error('complete boom');
    };
    graph.onReady = (key) => {
      readied.push(key);
      throw new Error(`ready boom ${key}`);
    };
    graph.start('a');
    expect(() => graph.complete('a')).toThrow('complete boom');
    expect(readied).toEqual(['b', 'c']);
    expect([...graph.ready]).toEqual(['b', 'c']);
    expect(graph.getState('a')).toBe('completed');
  });

  it('works with non-string keys, including NaN and objects', () => {
    const graph = new DependencyGraph<number>();
    graph.addNode(Number.NaN);
    expect(() => graph.addNode(1, [Number.NaN, 1])).toThrow(CycleError);
    graph.addNode(1, [Number.NaN]);
    expect(graph.getDependents(Number.NaN)).toEqual(new Set([1]));
    const a = { id: 'a' };
    const b = { id: 'a' };
    const objects = new DependencyGraph<{ id: string }>();
    objects.addNode(a);
    objects.addNode(b, [a]); // same shape, different identity
    expect(objects.size).toBe(2);
  });

  it('state sets are read-only in the public type and NodeState includes the transient failed', () => {
    const graph = chain('a');
    expectTypeOf(graph.ready).toEqualTypeOf<ReadonlySet<string>>();
    expectTypeOf(graph.pending).toEqualTypeOf<ReadonlySet<string>>();
    expectTypeOf(graph.aborted).toEqualTypeOf<ReadonlySet<string>>();
    expectTypeOf(graph.getState('a')).toEqualTypeOf<NodeState>();
    expectTypeOf<'failed'>().toExtend<NodeState>();
  });
});
