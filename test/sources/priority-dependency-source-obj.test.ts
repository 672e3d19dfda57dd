import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { InvalidOptionError } from '../../src/errors/option-errors.js';
import { MissingTaskError } from '../../src/errors/source-errors.js';
import { DependencyGraph } from '../../src/graph/dependency-graph.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask } from '../../src/runner/types.js';
import { PriorityDependencySourceObj } from '../../src/sources/priority-dependency-source-obj.js';
import { collect, ioTurns, nextValue, track } from '../support/async.js';
import { manualClock } from '../support/clock.js';

type Task = ScheduledTask<never, string>;
type Source = PriorityDependencySourceObj<string, Task>;

function graphOf(edges: Array<[string, string[]?]>): DependencyGraph<string> {
  const graph = new DependencyGraph<string>();
  for (const [key, deps] of edges) graph.addNode(key, deps ?? []);
  return graph;
}

function keyed(...keys: string[]): Map<string, { key: string }> {
  return new Map(keys.map((k) => [k, { key: k }]));
}

async function keysOf(source: PriorityDependencySourceObj<string, { key: string }>, n: number) {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await nextValue(source.next()))?.key ?? '<end>');
  return out;
}

/** fetch → parse → {validate, transform} → save. */
const PIPELINE: Array<[string, string[]?]> = [
  ['fetch'],
  ['parse', ['fetch']],
  ['validate', ['parse']],
  ['transform', ['parse']],
  ['save', ['validate', 'transform']],
];

describe('PriorityDependencySourceObj: queueing', () => {
  it('defaults are priorityFn () => 1 (ready order), agingRate 0 and maxAgeBoost Infinity', async () => {
    const clock = manualClock();
    const graph = graphOf([['c'], ['a'], ['b']]);
    const source = new PriorityDependencySourceObj(graph, keyed('a', 'b', 'c'), { now: clock.now });
    expect(await keysOf(source, 3)).toEqual(['c', 'a', 'b']);

    // agingRate 0: waiting long does not let a low-priority key overtake a fresh higher one.
    const g2 = graphOf([['low']]);
    const s2 = new PriorityDependencySourceObj(g2, keyed('low', 'high'), {
      now: clock.now,
      priorityFn: (k) => (k === 'high' ? 2 : 1),
    });
    clock.advance(1_000_000);
    g2.addNode('high');
    expect(s2.peekKey()).toBe('high');

    // maxAgeBoost Infinity: with a rate, aging is unbounded.
    const g3 = graphOf([['old']]);
    const s3 = new PriorityDependencySourceObj(g3, keyed('old', 'vip'), {
      now: clock.now,
      agingRate: 1,
      priorityFn: (k) => (k === 'vip' ? 1_000 : 1),
    });
    clock.advance(1_000);
    g3.addNode('vip');
    expect(s3.peekKey()).toBe('old'); // 1 + 1 × 1000 ms = 1001 > 1000: no cap
  });

  it('queues already-ready nodes at construction; dependents are peekable right after complete()', async () => {
    const graph = graphOf([['a'], ['b'], ['c', ['a']], ['d', ['a']]]);
    const source = new PriorityDependencySourceObj(graph, keyed('a', 'b', 'c', 'd'), {
      priorityFn: (k) => (k === 'd' ? 5 : 1),
    });
    expect(source.queueSize).toBe(2);
    expect(source.peekKey()).toBe('a');
    await source.next();
    source.complete('a');
    // No await in between: synchronous onReady path.
    expect(source.queueSize).toBe(3);
    expect(source.peekKey()).toBe('d');
    expect(source.peek()).toEqual({ key: 'd' });
  });

  it('peek, peekKey and queueSize exclude started tasks; abort removes aborted keys from the queue', async () => {
    const graph = graphOf([['a'], ['b'], ['c'], ['x', ['c']]]);
    const source = new PriorityDependencySourceObj(graph, keyed('a', 'b', 'c', 'x'), {
      priorityFn: (k) => ({ a: 3, b: 2, c: 1 })[k] ?? 0,
    });
    expect(source.queueSize).toBe(3);
    expect(await nextValue(source.next())).toEqual({ key: 'a' });
    expect(source.queueSize).toBe(2);
    expect(source.peekKey()).toBe('b');
    expect(source.peek()).toEqual({ key: 'b' });
    expect(source.abort('b')).toEqual(['b']);
    expect(source.queueSize).toBe(1);
    expect(source.peekKey()).toBe('c');
    // Aborted directly on the graph: still removed at once.
    expect(graph.abort('c')).toEqual(['c', 'x']);
    expect(source.queueSize).toBe(0);
    expect(source.peek()).toBeUndefined();
    expect(source.peekKey()).toBeUndefined();
  });

  it('a key started directly on the graph is never yielded', async () => {
    const graph = graphOf([['a'], ['b']]);
    const source = new PriorityDependencySourceObj(graph, keyed('a', 'b'));
    graph.start('a');
    expect(source.peekKey()).toBe('b');
    expect(await nextValue(source.next())).toEqual({ key: 'b' });
  });

  it('fail(k) re-enqueues k so that it is yielded again, its wait restarting', async () => {
    const clock = manualClock();
    const graph = graphOf([['x'], ['y']]);
    const source = new PriorityDependencySourceObj(graph, keyed('x', 'y'), {
      now: clock.now,
      agingRate: 0.01,
      priorityFn: (k) => (k === 'x' ? 5 : 1),
    });
    expect(await nextValue(source.next())).toEqual({ key: 'x' });
    clock.advance(1_000); // y: 1 + 10 = 11
    source.fail('x'); // x again at 5, its wait restarting now (it would be 15 if it kept its age)
    expect(source.queueSize).toBe(2);
    expect(await keysOf(source, 2)).toEqual(['y', 'x']);
    expect(graph.getState('x')).toBe('running');
  });

  it('report (priority 10) is not yielded until both analyses complete', async () => {
    const graph = graphOf([['fetch'], ['analysis-a', ['fetch']], ['analysis-b', ['fetch']]]);
    graph.addNode('report', ['analysis-a', 'analysis-b']);
    const source = new PriorityDependencySourceObj(
      graph,
      keyed('fetch', 'analysis-a', 'analysis-b', 'report'),
      {
        priorityFn: (k) => (k === 'report' ? 10 : 1),
      },
    );
    await source.next();
    source.complete('fetch');
    expect(await keysOf(source, 2)).toEqual(['analysis-a', 'analysis-b']);
    source.complete('analysis-a');
    expect(source.peekKey()).toBeUndefined();
    const pending = track(source.next());
    await ioTurns(3);
    expect(pending.settled).toBe(false);
    source.complete('analysis-b');
    expect(await nextValue(pending.promise)).toEqual({ key: 'report' });
  });

  it('a pull after a peek yields the peeked key even when aging reorders the queue in between', async () => {
    // 'old' (5.5) ready at 0, 'new' (5.6) at 50, rate 0.01, cap 1: at 100 ms 'old' leads (6.5 > 6.1), from
    // 150 ms 'new' does (6.6 > 6.5).
    const clock = manualClock();
    const graph = graphOf([['old']]);
    const source = new PriorityDependencySourceObj(graph, keyed('old', 'new'), {
      now: clock.now,
      agingRate: 0.01,
      maxAgeBoost: 1,
      priorityFn: (k) => (k === 'old' ? 5.5 : 5.6),
    });
    clock.advance(50);
    graph.addNode('new');
    clock.advance(50);
    expect(source.peek()).toEqual({ key: 'old' });
    clock.advance(50); // the runner checked the cost of 'old'; time passes before it pulls
    expect(await nextValue(source.next())).toEqual({ key: 'old' });
    expect(graph.getState('old')).toBe('running');
    expect(await nextValue(source.next())).toEqual({ key: 'new' });
  });

  it('a pull already waiting gets the key the latest peek showed', async () => {
    const clock = manualClock();
    const graph = graphOf([['first']]);
    const source = new PriorityDependencySourceObj(graph, keyed('first', 'old', 'new'), {
      now: clock.now,
      agingRate: 0.01,
      maxAgeBoost: 1,
      priorityFn: (k) => ({ first: 9, old: 5.5, new: 5.6 })[k] ?? 0,
    });
    expect(await nextValue(source.next())).toEqual({ key: 'first' });
    const pending = source.next(); // nothing ready: the pull waits
    graph.addNode('old');
    clock.advance(50);
    graph.addNode('new');
    clock.advance(50);
    expect(source.peekKey()).toBe('old');
    clock.advance(50);
    // Every peek re-evaluates aging ('new' has caught up); the waiting pull takes what the latest peek showed.
    expect(source.peekKey()).toBe('new');
    expect(await nextValue(pending)).toEqual({ key: 'new' });
  });

  it('a key readied between the peek and the pull makes the pull choose afresh', async () => {
    const clock = manualClock();
    const graph = graphOf([['old']]);
    const source = new PriorityDependencySourceObj(graph, keyed('old', 'new', 'low'), {
      now: clock.now,
      agingRate: 0.01,
      maxAgeBoost: 1,
      priorityFn: (k) => ({ old: 5.5, new: 5.6 })[k] ?? 0,
    });
    clock.advance(50);
    graph.addNode('new');
    clock.advance(50);
    expect(source.peekKey()).toBe('old');
    clock.advance(50);
    graph.addNode('low'); // the queue changed: the peek's choice is forgotten
    expect(await nextValue(source.next())).toEqual({ key: 'new' });
  });

  it('keeps a pre-existing graph.onReady and calls it first', () => {
    const graph = new DependencyGraph<string>();
    const calls: string[] = [];
    let source!: PriorityDependencySourceObj<string, { key: string }>;
    graph.onReady = (key) => calls.push(`user:${key}:${source.queueSize}`);
    source = new PriorityDependencySourceObj(graph, keyed('a'));
    graph.addNode('a');
    expect(calls).toEqual(['user:a:0']);
    expect(source.queueSize).toBe(1);
    expect(source.dependencyGraph).toBe(graph);
  });

  it('validates its options', () => {
    const graph = new DependencyGraph<string>();
    const bad = { priorityFn: 3 as unknown as () => number };
    expect(() => new PriorityDependencySourceObj(graph, keyed(), bad)).toThrow(InvalidOptionError);
    expect(() => new PriorityDependencySourceObj(graph, keyed(), { agingRate: -1 })).toThrow(
      InvalidOptionError,
    );
    expect(() => new PriorityDependencySourceObj(graph, keyed(), { maxAgeBoost: Number.NaN })).toThrow(
      InvalidOptionError,
    );
  });
});

describe('PriorityDependencySourceObj: missing tasks and broken priorities', () => {
  it('an empty map at construction with A ready is fine; peek throws MissingTaskError until A is added', async () => {
    const graph = graphOf([['A'], ['B', ['A']]]);
    const tasks = new Map<string, { key: string }>();
    const source = new PriorityDependencySourceObj(graph, tasks);
    expect(source.peekKey()).toBe('A');
    let error: unknown;
    try {
      source.peek();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingTaskError);
    expect((error as MissingTaskError).key).toBe('A');
    expect((error as Error).message).toContain('"A"');
    tasks.set('A', { key: 'A' });
    tasks.set('B', { key: 'B' });
    expect(await nextValue(source.next())).toEqual({ key: 'A' });
  });

  it('a pull of a key without a task rejects with MissingTaskError and the source ends', async () => {
    const graph = graphOf([['ghost']]);
    const source = new PriorityDependencySourceObj(graph, keyed());
    await expect(source.next()).rejects.toBeInstanceOf(MissingTaskError);
    expect(source.done).toBe(true);
    expect(graph.getState('ghost')).toBe('ready');
  });

  it('priorityFn gets the task when the map has it, undefined when it does not yet', () => {
    const graph = graphOf([['early'], ['known']]);
    const seen: Array<[string, unknown]> = [];
    const tasks = keyed('known');
    new PriorityDependencySourceObj(graph, tasks, {
      priorityFn: (key, task) => {
        seen.push([key, task]);
        return 1;
      },
    });
    expect(seen).toEqual([
      ['early', undefined],
      ['known', { key: 'known' }],
    ]);
  });

  it('a priorityFn that throws: at construction the constructor throws; later the source reports it', async () => {
    const boom = new Error('bad priority');
    const graph = graphOf([['a']]);
    const fn = (key: string): number => {
      if (key === 'b') throw boom;
      return key === 'c' ? Number.NaN : 1;
    };
    expect(() => new PriorityDependencySourceObj(graphOf([['b']]), keyed('b'), { priorityFn: fn })).toThrow(
      boom,
    );
    const source = new PriorityDependencySourceObj(graph, keyed('a', 'b'), { priorityFn: fn });
    await source.next();
    const pending = source.next();
    graph.addNode('b', ['a']);
    source.complete('a');
    // Not silently lost (the run would hang): the source fails with the error.
    await expect(pending).rejects.toBe(boom);

    const g2 = graphOf([['a']]);
    const s2 = new PriorityDependencySourceObj(g2, keyed('a', 'c'), { priorityFn: fn });
    g2.addNode('c');
    expect(() => s2.peek()).toThrow(InvalidOptionError);
  });
});

describe('PriorityDependencySourceObj: ends when the graph is done by any path', () => {
  it('abort of the last open keys ends a waiting pull', async () => {
    const graph = graphOf([['a'], ['b', ['a']]]);
    const source = new PriorityDependencySourceObj(graph, keyed('a', 'b'));
    await source.next();
    const pending = track(source.next());
    await ioTurns(3);
    expect(pending.settled).toBe(false);
    expect(source.abort('a')).toEqual(['a', 'b']);
    expect(await pending.promise).toEqual({ done: true, value: undefined });
    expect(source.done).toBe(true);
  });

  it('an abort made directly on the graph ends it too; so does an empty graph', async () => {
    const graph = graphOf([['a']]);
    const source = new PriorityDependencySourceObj(graph, keyed('a'));
    await source.next();
    const pending = source.next();
    graph.abort('a');
    expect(await pending).toEqual({ done: true, value: undefined });
    const empty = new PriorityDependencySourceObj(new DependencyGraph<string>(), keyed());
    expect(await empty.next()).toEqual({ done: true, value: undefined });
  });

  it('a run whose last task is aborted finishes', async () => {
    const graph = graphOf([['a'], ['b']]);
    let source!: Source;
    const tasks = new Map<string, Task>([
      ['a', { key: 'a', runner: async () => 'a', onComplete: (k) => source.complete(k) }],
      [
        'b',
        {
          key: 'b',
          runner: async () => {
            await ioTurns(1);
            throw new Error('b failed');
          },
          onComplete: (k) => source.complete(k),
          onError: (k) => source.abort(k),
        },
      ],
    ]);
    source = new PriorityDependencySourceObj(graph, tasks, { priorityFn: (k) => (k === 'a' ? 2 : 1) });
    const runner = new ScheduledTaskPoolRunner(
      'aborted-last',
      source,
      new ResourceCapacitySource({ capacity: 2 }),
    );
    const envelopes = await collect(runner.runTasks(false));
    expect(envelopes.map((e) => `${e.type}:${e.key}`)).toEqual(['FINAL:a', 'ERROR:b']);
    expect(graph.isDone).toBe(true);
  });

  it('a run ends when the consumer aborts the failed last key directly on the graph', async () => {
    const graph = graphOf([['only']]);
    const tasks = new Map<string, Task>([
      [
        'only',
        {
          key: 'only',
          runner: async () => {
            throw new Error('nope');
          },
        },
      ],
    ]);
    const source = new PriorityDependencySourceObj(graph, tasks);
    const runner = new ScheduledTaskPoolRunner('direct', source, new ResourceCapacitySource({ capacity: 1 }));
    const seen: string[] = [];
    for await (const e of runner.runTasks(false)) {
      seen.push(`${e.type}:${e.key}`);
      if (e.type === 'ERROR') graph.abort(e.key);
    }
    expect(seen).toEqual(['ERROR:only']);
  });

  it('nodes added to the graph during a run are picked up', async () => {
    const graph = graphOf([['a']]);
    let source!: Source;
    const tasks = new Map<string, Task>();
    const started: string[] = [];
    const task = (key: string, spawn?: string): Task => ({
      key,
      runner: async () => {
        started.push(key);
        if (spawn !== undefined) {
          tasks.set(spawn, task(spawn));
          graph.addNode(spawn, [key]);
          tasks.set(`${spawn}-root`, task(`${spawn}-root`));
          graph.addNode(`${spawn}-root`);
        }
        await ioTurns(1);
        return key;
      },
      onComplete: (k) => source.complete(k),
    });
    tasks.set('a', task('a', 'late'));
    source = new PriorityDependencySourceObj(graph, tasks);
    const runner = new ScheduledTaskPoolRunner('grow', source, new ResourceCapacitySource({ capacity: 1 }));
    const envelopes = await collect(runner.runTasks());
    expect(started).toEqual(['a', 'late-root', 'late']);
    expect(envelopes.map((e) => e.value)).toEqual(['a', 'late-root', 'late']);
    expect(graph.isDone).toBe(true);
  });
});

/** A task for the runner scenarios: records starts and overlaps, finishes after `n` I/O turns. */
interface Recorder {
  started: string[];
  running: Set<string>;
  overlaps: string[];
}

function recorder(): Recorder {
  return { started: [], running: new Set(), overlaps: [] };
}

describe('PriorityDependencySourceObj with ScheduledTaskPoolRunner', () => {
  it('diamond under {capacity:2, memory_gb:8}: FINALs A, B, C, D and B, C never overlap', async () => {
    const clock = manualClock();
    const graph = graphOf([['A'], ['B', ['A']], ['C', ['A']], ['D', ['B', 'C']]]);
    const rec = recorder();
    let source!: Source;
    const task = (key: string, turns: number, cost?: Task['cost']): Task => ({
      key,
      ...(cost === undefined ? {} : { cost }),
      runner: async () => {
        rec.started.push(key);
        rec.running.add(key);
        if (rec.running.has('B') && rec.running.has('C')) rec.overlaps.push(key);
        await ioTurns(turns);
        clock.advance(turns * 50);
        rec.running.delete(key);
        return `${key} done`;
      },
      onComplete: (k) => source.complete(k),
    });
    const tasks = new Map<string, Task>();
    source = new PriorityDependencySourceObj(graph, tasks, {
      priorityFn: (k) => (k === 'D' ? 10 : 1),
      agingRate: 0.001,
      maxAgeBoost: 5,
      now: clock.now,
    });
    // The map may be filled after the source is built.
    tasks.set('A', task('A', 2));
    tasks.set('B', task('B', 4, { capacity: 1, memory_gb: 4 }));
    tasks.set('C', task('C', 3, { capacity: 1, memory_gb: 6 }));
    tasks.set('D', task('D', 1));
    const runner = new ScheduledTaskPoolRunner(
      'sf',
      source,
      new ResourceCapacitySource({ capacity: 2, memory_gb: 8 }),
    );
    const envelopes = await collect(runner.runTasks());
    expect(envelopes.map((e) => [e.type, e.taskId, e.value])).toEqual([
      ['FINAL', 1, 'A done'],
      ['FINAL', 2, 'B done'],
      ['FINAL', 3, 'C done'],
      ['FINAL', 4, 'D done'],
    ]);
    expect(rec.overlaps).toEqual([]);
    expect(rec.started).toEqual(['A', 'B', 'C', 'D']);
  });

  it('bridge pattern: onComplete unlocks dependents, onError retries with fail()', async () => {
    const graph = graphOf(PIPELINE);
    let source!: Source;
    const attempts = new Map<string, number>();
    const task = (key: string): Task => ({
      key,
      runner: async () => {
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        await ioTurns(1);
        if (key === 'parse' && n < 3) throw new Error(`Transient failure in parse (attempt ${n})`);
        return `${key}-result`;
      },
      onComplete: (k) => source.complete(k),
      onError: (k) => source.fail(k),
    });
    source = new PriorityDependencySourceObj(graph, new Map(PIPELINE.map(([k]) => [k, task(k)])));
    const runner = new ScheduledTaskPoolRunner('re', source, new ResourceCapacitySource({ capacity: 2 }));
    const envelopes = await collect(runner.runTasks(false));
    expect(envelopes.map((e) => (e.type === 'FINAL' ? e.value : `${e.type}:${e.key}`))).toEqual([
      'fetch-result',
      'ERROR:parse',
      'ERROR:parse',
      'parse-result',
      'validate-result',
      'transform-result',
      'save-result',
    ]);
    expect(new Set(envelopes.map((e) => e.taskId)).size).toBe(7); // a retry gets a new taskId
    expect(attempts.get('parse')).toBe(3);
    expect(graph.completed.size).toBe(5);
  });

  it('MAX_RETRIES = 3 gives up on the third failure and abort returns the cascade', async () => {
    const graph = graphOf(PIPELINE);
    let source!: Source;
    const failures = new Map<string, number>();
    let cascade: string[] = [];
    const task = (key: string): Task => ({
      key,
      runner: async () => {
        if (key === 'parse') throw new Error('always');
        return key;
      },
      onComplete: (k) => source.complete(k),
      onError: (k) => {
        const n = (failures.get(k) ?? 0) + 1;
        failures.set(k, n);
        if (n < 3) source.fail(k);
        else cascade = source.abort(k);
      },
    });
    source = new PriorityDependencySourceObj(graph, new Map(PIPELINE.map(([k]) => [k, task(k)])));
    const runner = new ScheduledTaskPoolRunner(
      'give-up',
      source,
      new ResourceCapacitySource({ capacity: 2 }),
    );
    const envelopes = await collect(runner.runTasks(false));
    expect(cascade).toEqual(['parse', 'validate', 'transform', 'save']);
    expect(envelopes.map((e) => `${e.type}:${e.key}`)).toEqual([
      'FINAL:fetch',
      'ERROR:parse',
      'ERROR:parse',
      'ERROR:parse',
    ]);
    expect(graph.isDone).toBe(true);
  });

  it('graceful shutdown: abort every key in graph.ready, break; no task starts afterwards', async () => {
    const graph = graphOf([['a'], ['b'], ['c'], ['d', ['a']], ['e', ['b']]]);
    let source!: Source;
    const rec = recorder();
    const task = (key: string): Task => ({
      key,
      runner: async () => {
        rec.started.push(key);
        await ioTurns(2);
        return key;
      },
      onComplete: (k) => source.complete(k),
      onError: (k) => source.abort(k),
    });
    source = new PriorityDependencySourceObj(
      graph,
      new Map(['a', 'b', 'c', 'd', 'e'].map((k) => [k, task(k)])),
    );
    const runner = new ScheduledTaskPoolRunner(
      'shutdown',
      source,
      new ResourceCapacitySource({ capacity: 2 }),
    );
    let shutdown = false;
    for await (const envelope of runner.runTasks(false)) {
      expect(envelope.type).toBe('FINAL');
      // A SIGTERM flag would be set here.
      shutdown = true;
      if (shutdown) {
        for (const key of graph.ready) source.abort(key);
        break;
      }
    }
    const startedAtShutdown = [...rec.started];
    expect(startedAtShutdown).toEqual(['a', 'b']);
    await ioTurns(10);
    expect(rec.started).toEqual(startedAtShutdown);
    expect(graph.getState('c')).toBe('aborted');
    expect(graph.getState('d')).toBe('aborted');
    // b was in flight: it settles after the break and its callback still fires (leaving a run early stops
    // nothing that runs), freeing e, which never starts.
    expect(graph.getState('b')).toBe('completed');
    expect(graph.getState('e')).toBe('ready');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Property: random DAGs through the runner with the bridge pattern and random failures.

interface NodeSpec {
  deps: number[];
  cpu: number;
  mem: number;
  /** How many of its first attempts fail (3 = give up: 2 retries, then abort). */
  failures: number;
  turns: number;
  priority: number;
}

const nodeArb = (i: number): fc.Arbitrary<NodeSpec> =>
  fc.record({
    deps: i === 0 ? fc.constant([]) : fc.uniqueArray(fc.nat({ max: i - 1 }), { maxLength: Math.min(i, 3) }),
    cpu: fc.integer({ min: 0, max: 3 }),
    mem: fc.integer({ min: 0, max: 4 }),
    failures: fc.constantFrom(0, 0, 0, 1, 2, 3),
    turns: fc.integer({ min: 0, max: 3 }),
    priority: fc.integer({ min: 0, max: 5 }),
  });

const scenarioArb = fc.integer({ min: 5, max: 40 }).chain((n) =>
  fc.record({
    nodes: fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(i))),
    budget: fc.record({ cpu: fc.integer({ min: 3, max: 6 }), mem: fc.integer({ min: 4, max: 8 }) }),
    agingRate: fc.constantFrom(0, 0.01, 1),
    maxAgeBoost: fc.constantFrom(Number.POSITIVE_INFINITY, 2),
  }),
);

/** Resolves like `promise`, or rejects if it has not settled after `turns` I/O turns (a hang, shrinkable). */
async function withinTurns<T>(promise: Promise<T>, turns: number): Promise<T> {
  const watched = track(promise);
  for (let i = 0; i < turns && !watched.settled; i++) await ioTurns(1);
  if (!watched.settled) throw new Error(`run stalled after ${turns} I/O turns`);
  return promise;
}

describe('PriorityDependencySourceObj property', () => {
  it('random DAGs with failures end with every node completed or aborted, in dependency order, within budget', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ nodes, budget, agingRate, maxAgeBoost }) => {
        const clock = manualClock();
        const key = (i: number) => `n${i}`;
        const graph = new DependencyGraph<string>();
        nodes.forEach((spec, i) => {
          graph.addNode(key(i), spec.deps.map(key));
        });
        const inUse = { cpu: 0, mem: 0 };
        const violations: string[] = [];
        const starts = new Map<string, number>();
        const retries = new Map<string, number>();
        const completed = new Set<string>();
        let source!: Source;
        const tasks = new Map<string, Task>();
        nodes.forEach((spec, i) => {
          const k = key(i);
          tasks.set(k, {
            key: k,
            cost: { cpu: spec.cpu, mem: spec.mem },
            runner: async () => {
              const attempt = (starts.get(k) ?? 0) + 1;
              starts.set(k, attempt);
              clock.advance(1);
              for (const d of spec.deps) {
                if (!completed.has(key(d))) violations.push(`${k} started before ${key(d)} completed`);
              }
              inUse.cpu += spec.cpu;
              inUse.mem += spec.mem;
              if (inUse.cpu > budget.cpu || inUse.mem > budget.mem) {
                violations.push(`over budget at ${k}: ${JSON.stringify(inUse)}`);
              }
              try {
                await ioTurns(spec.turns);
                if (attempt <= spec.failures) throw new Error(`${k} attempt ${attempt}`);
                return k;
              } finally {
                inUse.cpu -= spec.cpu;
                inUse.mem -= spec.mem;
              }
            },
            onComplete: (done) => {
              completed.add(done);
              source.complete(done);
            },
            onError: (failed) => {
              const r = retries.get(failed) ?? 0;
              if (r < 2) {
                retries.set(failed, r + 1);
                source.fail(failed);
              } else {
                source.abort(failed);
              }
            },
          });
        });
        source = new PriorityDependencySourceObj(graph, tasks, {
          priorityFn: (_k, task) => nodes[Number(task.key.slice(1))]?.priority ?? 0,
          agingRate,
          maxAgeBoost,
          now: clock.now,
        });
        const runner = new ScheduledTaskPoolRunner('prop', source, new ResourceCapacitySource(budget));
        const envelopes = await withinTurns(collect(runner.runTasks(false)), 20_000);

        expect(violations).toEqual([]);
        expect(graph.isDone).toBe(true);
        expect(source.done).toBe(true);
        expect(runner.capacity.available).toEqual(budget);
        // The outcome does not depend on the schedule: a node completes iff it and all its ancestors succeed.
        const ok: boolean[] = [];
        nodes.forEach((spec, i) => {
          const depsOk = spec.deps.every((d) => ok[d] === true);
          ok.push(depsOk && spec.failures <= 2);
          const k = key(i);
          expect(graph.getState(k)).toBe(ok[i] ? 'completed' : 'aborted');
          const expectedStarts = !depsOk ? 0 : Math.min(spec.failures, 2) + 1;
          expect(starts.get(k) ?? 0).toBe(expectedStarts);
        });
        const finals = envelopes.filter((e) => e.type === 'FINAL').length;
        expect(finals).toBe(ok.filter(Boolean).length);
      }),
      { numRuns: 60 },
    );
  });

  it('a priorityFn failure found by a pull rejects that pull (never a synchronous throw) and ends the source', async () => {
    const graph = new DependencyGraph<string>();
    graph.addNode('a');
    graph.addNode('b', ['a']);
    const source = new PriorityDependencySourceObj(graph, keyed('a', 'b'), {
      priorityFn: (k) => {
        if (k === 'b') throw new Error('bad priority');
        return 1;
      },
    });
    expect(await nextValue(source.next())).toEqual({ key: 'a' });
    source.complete('a');
    let pull: Promise<unknown> | undefined;
    expect(() => {
      pull = source.next();
    }).not.toThrow();
    await expect(pull).rejects.toThrow('bad priority');
    expect(source.done).toBe(true);
  });
});
