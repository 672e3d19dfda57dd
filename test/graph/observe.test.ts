import { describe, expect, it } from 'vitest';
import { DependencyGraph } from '../../src/graph/dependency-graph.js';

describe('DependencyGraph.observe', () => {
  it('reports completions and abort cascades, including empty aborts, until unsubscribed', () => {
    const graph = new DependencyGraph<string>();
    graph.addNode('a');
    graph.addNode('b', ['a']);
    graph.addNode('c', ['b']);
    const events: string[] = [];
    const stop = graph.observe({
      completed: (key) => events.push(`completed ${key}`),
      aborted: (keys) => events.push(`aborted [${keys.join(',')}]`),
    });
    graph.start('a');
    graph.complete('a');
    graph.abort('b');
    graph.abort('a'); // already completed: nothing moves
    stop();
    graph.addNode('d');
    graph.abort('d');
    expect(events).toEqual(['completed a', 'aborted [b,c]', 'aborted []']);
  });

  it('hears a completion even when an onComplete callback throws', () => {
    const graph = new DependencyGraph<string>();
    graph.addNode('a');
    graph.onComplete = () => {
      throw new Error('listener failed');
    };
    const events: string[] = [];
    graph.observe({ completed: (key) => events.push(key) });
    graph.start('a');
    expect(() => graph.complete('a')).toThrow('listener failed');
    expect(events).toEqual(['a']);
    expect(graph.isDone).toBe(true);
  });
});
