import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CycleError } from '../../src/errors/index.js';
import { DependencyGraph } from '../../src/graph/dependency-graph.js';

const key = (i: number) => `n${i}`;

/**
 * A random DAG: node i depends only on earlier nodes (repeats allowed, to exercise de-duplication), delivered as
 * an addAll map in shuffled order.
 */
const dagArb = fc
  .integer({ min: 1, max: 25 })
  .chain((n) =>
    fc.tuple(
      fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.array(fc.nat({ max: Math.max(0, i - 1) }), { maxLength: i === 0 ? 0 : 4 }),
        ),
      ),
      fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i),
        { minLength: n, maxLength: n },
      ),
    ),
  )
  .map(([deps, order]) => new Map(order.map((i): [string, string[]] => [key(i), (deps[i] ?? []).map(key)])));

/** Drives the graph: each choice picks a ready or running node and an action (0 abort, 1–2 fail, else advance). */
const choicesArb = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 9 })), { maxLength: 120 });

/** Every key not completed or aborted that transitively depends on `root` (by the input map). */
function transitiveDependents(batch: Map<string, string[]>, root: string): Set<string> {
  const found = new Set<string>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [k, deps] of batch) {
      if (!found.has(k) && deps.some((d) => found.has(d))) {
        found.add(k);
        grew = true;
      }
    }
  }
  return found;
}

/** Every key is in exactly the state set its getState names, and isDone matches the states. */
function checkSetsMatchStates(graph: DependencyGraph<string>, keys: Iterable<string>): void {
  const sets: Record<string, ReadonlySet<string>> = {
    pending: graph.pending,
    ready: graph.ready,
    running: graph.running,
    completed: graph.completed,
    aborted: graph.aborted,
  };
  const mismatched: string[] = [];
  let terminal = 0;
  let total = 0;
  for (const k of keys) {
    const state = graph.getState(k);
    for (const [name, set] of Object.entries(sets)) {
      if (set.has(k) !== (name === state)) mismatched.push(`${k}:${state}/${name}`);
    }
    if (state === 'completed' || state === 'aborted') terminal++;
    total++;
  }
  // One expect per step keeps the property cheap enough for many runs.
  expect({
    mismatched,
    size: graph.size,
    isDone: graph.isDone,
    bySets: graph.completed.size + graph.aborted.size === graph.size,
  }).toEqual({ mismatched: [], size: total, isDone: terminal === total, bySets: terminal === total });
}

describe('DependencyGraph properties', () => {
  it('random runs always terminate and keep every invariant', () => {
    fc.assert(
      fc.property(dagArb, choicesArb, (batch, choices) => {
        const graph = new DependencyGraph<string>();
        const completedSeen = new Set<string>();
        const readyFired: string[] = [];
        graph.onComplete = (k) => {
          expect(graph.getState(k)).toBe('completed');
          completedSeen.add(k);
        };
        graph.onReady = (k) => {
          // onComplete has already fired for every dependency of a node that becomes ready.
          for (const dep of batch.get(k) ?? []) expect(completedSeen.has(dep)).toBe(true);
          expect(graph.getState(k)).toBe('ready');
          readyFired.push(k);
        };
        graph.addAll(batch);
        expect(graph.hasCycle()).toBe(false);
        expect(readyFired).toEqual([...graph.ready]);
        checkSetsMatchStates(graph, batch.keys());

        // Each step moves a node forward, except fail (bounded by the choices), so this bound is generous.
        const maxSteps = choices.length + 3 * batch.size + 1;
        let steps = 0;
        while (!graph.isDone) {
          expect(steps++).toBeLessThan(maxSteps);
          const candidates = [...graph.ready, ...graph.running];
          // Something must always be startable or running until the graph is done.
          expect(candidates.length).toBeGreaterThan(0);
          const [pick, action] = choices[steps - 1] ?? [0, 9];
          const k = candidates[pick % candidates.length] as string;
          const running = graph.getState(k) === 'running';
          if (action === 0) {
            const before = new Map([...batch.keys()].map((x) => [x, graph.getState(x)]));
            const aborted = graph.abort(k);
            expect(aborted[0]).toBe(k);
            const expected = [...transitiveDependents(batch, k)].filter(
              (x) => before.get(x) !== 'completed' && before.get(x) !== 'aborted',
            );
            expect(new Set(aborted)).toEqual(new Set(expected));
            expect(aborted).toHaveLength(expected.length);
            for (const x of aborted) expect(graph.getState(x)).toBe('aborted');
          } else if (running && action <= 2) {
            readyFired.length = 0;
            graph.fail(k);
            expect(graph.getState(k)).toBe('ready');
            expect(readyFired).toEqual([k]);
          } else if (running) {
            const pendingBefore = new Set(graph.pending);
            readyFired.length = 0;
            const freed = graph.complete(k);
            expect(readyFired).toEqual(freed);
            // Exactly the pending dependents of k whose dependencies are now all completed.
            const expected = [...batch]
              .filter(([x, deps]) => pendingBefore.has(x) && deps.includes(k))
              .filter(([, deps]) => deps.every((d) => graph.getState(d) === 'completed'))
              .map(([x]) => x);
            expect(new Set(freed)).toEqual(new Set(expected));
          } else {
            for (const dep of batch.get(k) ?? []) expect(graph.getState(dep)).toBe('completed');
            graph.start(k);
          }
          checkSetsMatchStates(graph, batch.keys());
        }
        for (const [k, deps] of batch) {
          if (graph.getState(k) === 'completed') {
            for (const d of deps) expect(graph.getState(d)).toBe('completed');
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('topologicalSort respects every edge, whether built by addAll or addNode', () => {
    fc.assert(
      fc.property(dagArb, (batch) => {
        const viaAll = new DependencyGraph<string>();
        viaAll.addAll(batch);
        const viaNode = new DependencyGraph<string>();
        const ordered = [...batch.keys()].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
        for (const k of ordered) viaNode.addNode(k, batch.get(k));
        for (const graph of [viaAll, viaNode]) {
          const order = graph.topologicalSort();
          expect(new Set(order)).toEqual(new Set(batch.keys()));
          expect(order).toHaveLength(batch.size);
          const at = new Map(order.map((k, i) => [k, i]));
          for (const [k, deps] of batch) {
            for (const d of deps) expect(at.get(d)).toBeLessThan(at.get(k) as number);
            expect(graph.getDependencies(k)).toEqual(new Set(deps));
          }
          expect(graph.hasCycle()).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a batch with a cycle throws CycleError naming a real cycle and leaves the graph unchanged', () => {
    const withCycle = dagArb
      .filter((batch) => [...batch.values()].some((deps) => deps.length > 0))
      .chain((batch) => {
        const edges = [...batch].flatMap(([k, deps]) => deps.map((d): [string, string] => [k, d]));
        return fc.constantFrom(...edges).map(([k, d]) => {
          // d already (transitively) precedes k; making d depend on k closes a cycle.
          const copy = new Map([...batch].map(([x, deps]): [string, string[]] => [x, [...deps]]));
          copy.get(d)?.push(k);
          return copy;
        });
      });
    fc.assert(
      fc.property(withCycle, (batch) => {
        const graph = new DependencyGraph<string>();
        graph.addNode('existing');
        let fired = 0;
        graph.onReady = () => fired++;
        let error: unknown;
        try {
          graph.addAll(batch);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(CycleError);
        const cycle = (error as CycleError).cycle as string[];
        expect(cycle.length).toBeGreaterThanOrEqual(3);
        expect(cycle[0]).toBe(cycle[cycle.length - 1]);
        for (let i = 0; i + 1 < cycle.length; i++) {
          expect(batch.get(cycle[i] as string)).toContain(cycle[i + 1]);
        }
        expect(graph.size).toBe(1);
        expect(fired).toBe(0);
        for (const k of batch.keys()) expect(graph.has(k)).toBe(false);
        expect(graph.getDependents('existing').size).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
