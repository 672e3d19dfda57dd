import { describe, expect, it } from 'vitest';
import {
  CycleError,
  DuplicateKeyError,
  InvalidStateError,
  MissingDependencyError,
} from '../../src/errors/index.js';
import { DependencyGraph } from '../../src/graph/dependency-graph.js';

/** The diamond: A; B, C depend on A; D depends on B and C. */
function diamond(): DependencyGraph<string> {
  const graph = new DependencyGraph<string>();
  graph.addNode('A');
  graph.addNode('B', ['A']);
  graph.addNode('C', ['A']);
  graph.addNode('D', ['B', 'C']);
  return graph;
}

/** A data pipeline: fetch → parse → {validate, transform} → save. */
function pipeline(): DependencyGraph<string> {
  const graph = new DependencyGraph<string>();
  graph.addAll(
    new Map([
      ['fetch', []],
      ['parse', ['fetch']],
      ['validate', ['parse']],
      ['transform', ['parse']],
      ['save', ['validate', 'transform']],
    ]),
  );
  return graph;
}

/** Records every callback in order. */
function record(graph: DependencyGraph<string>): string[] {
  const log: string[] = [];
  graph.onReady = (key) => log.push(`ready:${key}`);
  graph.onComplete = (key) => log.push(`complete:${key}`);
  return log;
}

describe('DependencyGraph lifecycle and lookups', () => {
  it('the diamond starts with only A ready, size 4 and not done', () => {
    const graph = diamond();
    expect([...graph.ready]).toEqual(['A']);
    expect(graph.size).toBe(4);
    expect(graph.isDone).toBe(false);
    expect([...graph.pending]).toEqual(['B', 'C', 'D']);
  });

  it('start moves A to running; complete returns [B, C] and makes them ready', () => {
    const graph = diamond();
    graph.start('A');
    expect([...graph.running]).toEqual(['A']);
    expect([...graph.ready]).toEqual([]);
    expect(graph.complete('A')).toEqual(['B', 'C']);
    expect(new Set(graph.ready)).toEqual(new Set(['B', 'C']));
    expect([...graph.running]).toEqual([]);
    expect([...graph.completed]).toEqual(['A']);
  });

  it('the diamond join waits for both B and C', () => {
    const graph = diamond();
    graph.start('A');
    graph.complete('A');
    graph.start('B');
    graph.start('C');
    expect(graph.complete('B')).toEqual([]);
    expect([...graph.ready]).toEqual([]);
    expect(graph.getState('D')).toBe('pending');
    expect(graph.complete('C')).toEqual(['D']);
    expect([...graph.ready]).toEqual(['D']);
  });

  it('complete fires onComplete before onReady for each freed dependent, synchronously', () => {
    const graph = diamond();
    const log = record(graph);
    graph.start('A');
    const returned = graph.complete('A');
    // Logged before complete() returned: the callbacks are synchronous.
    expect(log).toEqual(['complete:A', 'ready:B', 'ready:C']);
    expect(returned).toEqual(['B', 'C']);
  });

  it('addNode throws on a duplicate key, a missing dependency or a cycle, and adds nothing', () => {
    const graph = diamond();
    const log = record(graph);
    expect(() => graph.addNode('A')).toThrow(DuplicateKeyError);
    expect(() => graph.addNode('E', ['A', 'nope'])).toThrow(MissingDependencyError);
    // A self-dependency is reported as a cycle, not as a missing dependency (the key is not in the graph yet).
    expect(() => graph.addNode('E', ['E'])).toThrow(CycleError);
    expect(() => graph.addNode('E', ['A', 'E'])).toThrow(CycleError);
    expect(graph.size).toBe(4);
    expect(graph.has('E')).toBe(false);
    expect(graph.getDependents('A')).toEqual(new Set(['B', 'C']));
    expect(log).toEqual([]);
  });

  it('addNode whose dependencies are all completed is ready at once and fires onReady', () => {
    const graph = diamond();
    graph.start('A');
    graph.complete('A');
    const log = record(graph);
    graph.addNode('E', ['A']);
    expect(graph.getState('E')).toBe('ready');
    expect(log).toEqual(['ready:E']);
    graph.addNode('F', ['A', 'B']);
    expect(graph.getState('F')).toBe('pending');
    expect(log).toEqual(['ready:E']);
  });

  it('addAll ignores map order; fetch-data becomes ready', () => {
    const graph = new DependencyGraph<string>();
    const log = record(graph);
    graph.addAll(
      new Map([
        ['save', ['validate', 'transform']],
        ['fetch-data', []],
        ['parse', ['fetch-data']],
        ['validate', ['parse']],
        ['transform', ['parse']],
      ]),
    );
    expect([...graph.ready]).toEqual(['fetch-data']);
    expect(log).toEqual(['ready:fetch-data']);
    expect(graph.size).toBe(5);
    expect(graph.getState('save')).toBe('pending');
    expect(graph.getDependencies('save')).toEqual(new Set(['validate', 'transform']));
  });

  it('start on a node that is not ready throws', () => {
    const graph = diamond();
    expect(() => graph.start('B')).toThrow(InvalidStateError); // pending
    graph.start('A');
    expect(() => graph.start('A')).toThrow(InvalidStateError); // running
    graph.complete('A');
    expect(() => graph.start('A')).toThrow(InvalidStateError); // completed
    graph.abort('B');
    expect(() => graph.start('B')).toThrow(InvalidStateError); // aborted
    expect(graph.getState('A')).toBe('completed');
  });

  it('fail returns a running node to ready and fires onReady; failed is never observed', () => {
    const graph = diamond();
    const log = record(graph);
    graph.start('A');
    graph.fail('A');
    expect(graph.getState('A')).toBe('ready');
    expect([...graph.ready]).toEqual(['A']);
    expect([...graph.running]).toEqual([]);
    expect(log).toEqual(['ready:A']);
    graph.start('A');
    expect(graph.complete('A')).toEqual(['B', 'C']);
    for (const key of ['A', 'B', 'C', 'D']) expect(graph.getState(key)).not.toBe('failed');
  });

  describe('abort cascades breadth-first and returns the keys, root first', () => {
    it('a in a→b→{c,d} returns [a, b, c, d] and the graph is done', () => {
      const graph = new DependencyGraph<string>();
      graph.addNode('a');
      graph.addNode('b', ['a']);
      graph.addNode('c', ['b']);
      graph.addNode('d', ['b']);
      expect(graph.abort('a')).toEqual(['a', 'b', 'c', 'd']);
      expect(graph.isDone).toBe(true);
      expect([...graph.aborted]).toEqual(['a', 'b', 'c', 'd']);
    });

    it('parse returns [parse, validate, transform, save]; with fetch completed the graph is done', () => {
      const graph = pipeline();
      graph.start('fetch');
      graph.complete('fetch');
      graph.start('parse');
      expect(graph.abort('parse')).toEqual(['parse', 'validate', 'transform', 'save']);
      expect([...graph.running]).toEqual([]);
      expect(graph.isDone).toBe(true);
    });

    it('diamond abort(C) returns [C, D]; B still completes and the graph ends done', () => {
      const graph = diamond();
      graph.start('A');
      graph.complete('A');
      expect(graph.abort('C')).toEqual(['C', 'D']);
      expect(graph.isDone).toBe(false);
      graph.start('B');
      expect(graph.complete('B')).toEqual([]);
      expect(graph.getState('D')).toBe('aborted');
      expect(graph.isDone).toBe(true);
    });
  });

  it('abort skips nodes already completed or aborted', () => {
    const graph = diamond();
    graph.start('A');
    graph.complete('A');
    expect(graph.abort('B')).toEqual(['B', 'D']);
    expect(graph.abort('C')).toEqual(['C']); // D was already aborted
    expect(graph.abort('D')).toEqual([]);
    expect(graph.abort('A')).toEqual([]); // completed
    expect(graph.getState('A')).toBe('completed');
    expect([...graph.aborted]).toEqual(['B', 'D', 'C']);
  });

  it('isDone holds exactly when completed + aborted === size', () => {
    const graph = diamond();
    const check = () => {
      expect(graph.isDone).toBe(graph.completed.size + graph.aborted.size === graph.size);
    };
    check();
    graph.start('A');
    check();
    graph.complete('A');
    check();
    graph.start('B');
    graph.complete('B');
    check();
    expect(graph.isDone).toBe(false);
    graph.abort('C');
    check();
    expect(graph.isDone).toBe(true);
    expect(new DependencyGraph<string>().isDone).toBe(true);
  });

  it('hasCycle is false, topologicalSort orders dependencies first, and the lookups behave as named', () => {
    const graph = pipeline();
    expect(graph.hasCycle()).toBe(false);
    const order = graph.topologicalSort();
    expect(order).toHaveLength(5);
    const at = (key: string) => order.indexOf(key);
    for (const key of order) {
      for (const dep of graph.getDependencies(key)) expect(at(dep)).toBeLessThan(at(key));
    }
    expect(graph.getDependencies('save')).toEqual(new Set(['validate', 'transform']));
    expect(graph.getDependencies('fetch')).toEqual(new Set());
    expect(graph.getDependents('parse')).toEqual(new Set(['validate', 'transform']));
    expect(graph.getDependents('save')).toEqual(new Set());
    expect(graph.has('parse')).toBe(true);
    expect(graph.has('nope')).toBe(false);
    expect(diamond().topologicalSort()).toEqual(['A', 'B', 'C', 'D']);
  });
});
