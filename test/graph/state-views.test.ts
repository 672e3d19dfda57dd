import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DependencyGraph } from '../../src/graph/dependency-graph.js';
import { SetModel, VIEW_NAMES, type ViewName } from './set-model.js';

/**
 * A graph with two keys in every state:
 * completed c1, c2 (completed in that order); running r2, r1 (started in that order); ready y1, y2;
 * pending p1, p2 (waiting on r1); aborted x2, x1 (x2 aborted first; x1 depends on nothing that ran).
 */
function everyState(): DependencyGraph<string> {
  const graph = new DependencyGraph<string>();
  for (const key of ['c1', 'c2', 'r1', 'r2', 'y1', 'y2', 'x1', 'x2']) graph.addNode(key);
  graph.addNode('p1', ['r1']);
  graph.addNode('p2', ['r1', 'c1']);
  for (const key of ['c1', 'c2']) graph.start(key);
  graph.complete('c1');
  graph.complete('c2');
  graph.start('r2');
  graph.start('r1');
  graph.abort('x2');
  graph.abort('x1');
  return graph;
}

const expected: Record<ViewName, string[]> = {
  pending: ['p1', 'p2'],
  ready: ['y1', 'y2'],
  running: ['r2', 'r1'],
  completed: ['c1', 'c2'],
  aborted: ['x2', 'x1'],
};

describe('state views implement ReadonlySet', () => {
  it.each(VIEW_NAMES)('%s: size, has, spread, keys, values, entries and forEach agree, in order', (name) => {
    const graph = everyState();
    const view = graph[name];
    const keys = expected[name];
    expect(view.size).toBe(keys.length);
    expect([...view]).toEqual(keys);
    expect([...view.keys()]).toEqual(keys);
    expect([...view.values()]).toEqual(keys);
    expect([...view.entries()]).toEqual(keys.map((k) => [k, k]));
    expect(Array.from(view)).toEqual(keys);
    expect(new Set(view)).toEqual(new Set(keys));
    for (const key of keys) expect(view.has(key)).toBe(true);
    for (const other of VIEW_NAMES.filter((n) => n !== name)) {
      for (const key of expected[other]) expect(view.has(key)).toBe(false);
    }
    expect(view.has('not in the graph')).toBe(false);

    const seen: unknown[] = [];
    const thisArg = { tag: 'this' };
    view.forEach(function (this: unknown, value, value2, set) {
      seen.push([value, value2, set === view, this]);
    }, thisArg);
    expect(seen).toEqual(keys.map((k) => [k, k, true, thisArg]));
  });

  it('each getter returns the same live object, which follows later changes', () => {
    const graph = new DependencyGraph<string>();
    const ready = graph.ready;
    const completed = graph.completed;
    expect(graph.ready).toBe(ready);
    expect(ready.size).toBe(0);
    graph.addNode('a');
    graph.addNode('b', ['a']);
    expect([...ready]).toEqual(['a']);
    graph.start('a');
    graph.complete('a');
    expect([...ready]).toEqual(['b']);
    expect([...completed]).toEqual(['a']);
    expect(graph.completed).toBe(completed);
  });

  it('views hold any key under SameValueZero, NaN included', () => {
    const graph = new DependencyGraph<number>();
    graph.addNode(Number.NaN);
    graph.addNode(0, [Number.NaN]);
    expect(graph.ready.has(Number.NaN)).toBe(true);
    expect(graph.pending.has(0)).toBe(true);
    expect([...graph.ready]).toEqual([Number.NaN]);
    graph.start(Number.NaN);
    expect(graph.running.has(Number.NaN)).toBe(true);
    expect(graph.complete(Number.NaN)).toEqual([0]);
    expect(graph.completed.has(Number.NaN)).toBe(true);
  });
});

describe('changing the graph while iterating a view behaves like changing a Set', () => {
  it('running every ready key as it is reached also visits the keys it frees', () => {
    const graph = new DependencyGraph<string>();
    graph.addNode('a');
    graph.addNode('b', ['a']);
    graph.addNode('c', ['b']);
    graph.addNode('d');
    graph.addNode('e', ['a', 'd']);
    const visited: string[] = [];
    for (const key of graph.ready) {
      visited.push(key);
      graph.start(key);
      graph.complete(key);
    }
    // a frees b; d frees e; b frees c. The same loop over a Set-per-state graph visits the same keys.
    expect(visited).toEqual(['a', 'd', 'b', 'e', 'c']);
    expect(graph.isDone).toBe(true);
  });

  it('ready: a key started before it is reached is skipped; one failed back to ready is visited at the end', () => {
    const graph = new DependencyGraph<string>();
    for (const key of ['a', 'b', 'c', 'd']) graph.addNode(key);
    const visited: string[] = [];
    for (const key of graph.ready) {
      visited.push(key);
      if (key === 'a') {
        graph.start('b'); // leaves ready before being reached
        graph.start('c');
        graph.fail('c'); // leaves and re-enters: now last
      }
    }
    expect(visited).toEqual(['a', 'd', 'c']);
  });

  it('running: keys completed before they are reached are skipped, keys started meanwhile are visited', () => {
    const graph = new DependencyGraph<string>();
    for (const key of ['a', 'b', 'c', 'd', 'e']) graph.addNode(key);
    for (const key of ['a', 'b', 'c']) graph.start(key);
    const visited: string[] = [];
    for (const key of graph.running) {
      visited.push(key);
      if (key === 'a') {
        graph.complete('b');
        graph.start('d');
        graph.abort('c');
        graph.start('e');
      }
    }
    expect(visited).toEqual(['a', 'd', 'e']);
  });

  it('completed: keys completed during the walk are visited', () => {
    const graph = new DependencyGraph<string>();
    for (const key of ['a', 'b', 'c']) graph.addNode(key);
    graph.start('a');
    graph.complete('a');
    const visited: string[] = [];
    for (const key of graph.completed) {
      visited.push(key);
      const next = [...graph.ready][0];
      if (next !== undefined) {
        graph.start(next);
        graph.complete(next);
      }
    }
    expect(visited).toEqual(['a', 'b', 'c']);
  });

  it('aborted and pending: keys aborted during the walk are visited by aborted and skipped by pending', () => {
    const graph = new DependencyGraph<string>();
    graph.addNode('root');
    for (const key of ['p', 'q', 's']) graph.addNode(key, ['root']);
    graph.addNode('x');
    graph.abort('x');
    const pending: string[] = [];
    for (const key of graph.pending) {
      pending.push(key);
      if (key === 'p') graph.abort('q');
      if (key === 's') graph.addNode('t', ['s']); // added pending during the walk: visited
    }
    expect(pending).toEqual(['p', 's', 't']);
    const aborted: string[] = [];
    for (const key of graph.aborted) {
      aborted.push(key);
      if (key === 'x') graph.abort('p');
    }
    expect(aborted).toEqual(['x', 'q', 'p']);
  });

  it('an exhausted iterator stays done, as a Set iterator does', () => {
    const graph = new DependencyGraph<string>();
    graph.addNode('a');
    const iterator = graph.ready.values();
    expect(iterator.next()).toEqual({ value: 'a', done: false });
    expect(iterator.next().done).toBe(true);
    graph.addNode('b');
    expect(iterator.next().done).toBe(true);
  });

  it('a walk paused while the list compacts under it resumes right after the last key it visited', () => {
    const model = new SetModel(new DependencyGraph<number>());
    for (let k = 0; k < 100; k++) model.addNode(k, []);
    const view = model.graph.ready.values();
    const set = model.sets.ready.values();
    const step = () => expect(view.next()).toEqual(set.next());
    for (let i = 0; i < 50; i++) step(); // visited 0..49
    // All but the last visited key leave, on both sides of the walk: far more dead entries than live ones.
    for (let k = 0; k < 90; k++) if (k !== 49) model.start(k);
    for (let k = 0; k < 10; k++) model.fail(k); // re-enter at the end
    for (let i = 0; i < 25; i++) step(); // 90..99, then 0..9, then done
    expect(view.next().done).toBe(true);
  });

  it('a walk paused while its state empties and refills visits only the new keys', () => {
    const model = new SetModel(new DependencyGraph<string>());
    for (const key of ['a', 'b', 'c', 'd']) model.addNode(key, []);
    const view = model.graph.ready.values();
    const set = model.sets.ready.values();
    expect(view.next()).toEqual(set.next()); // a
    for (const key of ['a', 'b', 'c', 'd']) model.start(key);
    model.addNode('e', []);
    model.addNode('f', []);
    for (let i = 0; i < 3; i++) expect(view.next()).toEqual(set.next()); // e, f, done
  });
});

type Action = 'add' | 'start' | 'complete' | 'fail' | 'abort' | 'open';

/**
 * One operation on a random graph: what to do, to which key (by position among the candidates), how many times
 * (bulk moves make the lists compact or empty between two steps of a walk), and which view a new walk follows.
 */
const opsArb = fc.array(
  fc.record({
    action: fc.oneof(
      { weight: 2, arbitrary: fc.constant<Action>('add') },
      { weight: 3, arbitrary: fc.constant<Action>('start') },
      { weight: 3, arbitrary: fc.constant<Action>('complete') },
      { weight: 1, arbitrary: fc.constant<Action>('fail') },
      { weight: 1, arbitrary: fc.constant<Action>('abort') },
      { weight: 2, arbitrary: fc.constant<Action>('open') },
    ),
    pick: fc.nat(),
    // Walks step only after some operations, so several different changes (a state emptying and refilling, a
    // list compacting with keys left in it) can happen between two steps.
    step: fc.boolean(),
    times: fc.oneof(
      { weight: 3, arbitrary: fc.constant(1) },
      { weight: 1, arbitrary: fc.integer({ min: 2, max: 100 }) },
    ),
    deps: fc.array(fc.nat(), { maxLength: 3 }),
    // Walks over ready and running are the subtle ones: their keys leave and come back.
    view: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom<ViewName>('ready', 'running') },
      { weight: 1, arbitrary: fc.constantFrom(...VIEW_NAMES) },
    ),
  }),
  { maxLength: 300 },
);

/** A walk over a view and one over the matching model Set, advanced together. */
interface Walk {
  view: Iterator<number>;
  set: Iterator<number>;
}

/** Advances both sides of `walk` once, expects the same result, and says whether the walk is exhausted. */
function step(walk: Walk): boolean {
  const next = walk.view.next();
  expect(next).toEqual(walk.set.next());
  return next.done === true;
}

/** The `pick`-th of `keys`, wrapping; undefined when there are none. */
function nth(keys: Iterable<number>, pick: number): number | undefined {
  const list = [...keys];
  return list.length === 0 ? undefined : list[pick % list.length];
}

describe('state views against Sets (property)', () => {
  it('contents, order and walks advanced during random changes match one Set per state', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), opsArb, (initial, ops) => {
        const model = new SetModel(new DependencyGraph<number>());
        let nextKey = 0;
        const add = (deps: number[]) => {
          const key = nextKey++;
          model.addNode(
            key,
            deps.filter((d) => d < key),
          );
        };
        // Every other key has no dependency, so many keys are ready at once.
        for (let i = 0; i < initial; i++) add(i % 2 === 0 ? [] : [i - 1]);
        let walks: Walk[] = [];
        const apply = (action: Action, pick: number, deps: number[], view: ViewName) => {
          if (action === 'add') add(deps.map((d) => d % Math.max(1, nextKey)));
          else if (action === 'open')
            walks.push({ view: model.graph[view].values(), set: model.sets[view].values() });
          else if (action === 'abort') model.abort(pick % Math.max(1, nextKey));
          else if (action === 'start') {
            const key = nth(model.sets.ready, pick);
            if (key !== undefined) model.start(key);
          } else {
            const key = nth(model.sets.running, pick);
            if (key !== undefined && action === 'complete') model.complete(key);
            if (key !== undefined && action === 'fail') model.fail(key);
          }
        };
        if (initial === 0) add([]);
        for (const { action, pick, step: stepWalks, times, deps, view } of ops) {
          for (let i = 0; i < times; i++) apply(action, pick + i, deps, view);
          for (const name of VIEW_NAMES) expect(model.graph[name].size).toBe(model.sets[name].size);
          // Every open walk takes a step; exhausted ones are dropped.
          if (stepWalks) walks = walks.filter((walk) => !step(walk));
        }
        for (const name of VIEW_NAMES) expect([...model.graph[name]]).toEqual([...model.sets[name]]);
        for (const walk of walks) while (!step(walk));
      }),
      { numRuns: 200 },
    );
  });
  it('a walk over ready or running paused across bulk moves sees what a Set iterator sees', () => {
    const change = fc.record({
      action: fc.constantFrom('start', 'complete', 'fail', 'add'),
      pick: fc.nat(),
      times: fc.integer({ min: 1, max: 120 }),
      // Often none, so that a state can empty and refill between two steps.
      steps: fc.oneof(fc.constant(0), fc.nat({ max: 40 })),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.constantFrom<ViewName>('ready', 'running'),
        fc.array(change, { maxLength: 12 }),
        (keys, name, changes) => {
          const model = new SetModel(new DependencyGraph<number>());
          let nextKey = 0;
          for (; nextKey < keys; nextKey++) model.addNode(nextKey, []);
          for (let k = 0; k < keys; k += 2) model.start(k);
          const walk: Walk = { view: model.graph[name].values(), set: model.sets[name].values() };
          let done = false;
          for (const { action, pick, times, steps } of changes) {
            for (let i = 0; i < times; i++) {
              if (action === 'add') model.addNode(nextKey++, []);
              const from = action === 'start' ? model.sets.ready : model.sets.running;
              const key = action === 'add' ? undefined : nth(from, pick + i);
              if (key === undefined) continue;
              if (action === 'start') model.start(key);
              else if (action === 'complete') model.complete(key);
              else model.fail(key);
            }
            for (let i = 0; i < steps && !done; i++) done = step(walk);
          }
          while (!done) done = step(walk);
        },
      ),
      { numRuns: 300 },
    );
  });
});
