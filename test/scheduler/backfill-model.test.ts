import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/index.js';

// The scheduler's start order is compared, step by step, with a naive model written from the rules alone:
//
// - Ready tasks are ranked by priority (higher first), then by the order in which they became ready.
// - The best-ranked task (the head) starts whenever it fits.
// - fifo: when the head does not fit, nothing starts.
// - backfill: when the head does not fit, the best-ranked other task that fits starts (it passes the head),
//   and the head counts one more pass. Once the head has been passed `maxBypass` times it holds a
//   reservation: from then on a task may pass only if it fits with the head's whole cost set aside.
//
// Task functions end only when the test resolves them, one at a time, so the scheduler and the model see the
// same sequence of completions and must make the same decisions.

type Cost = Record<string, number>;

interface Spec {
  key: string;
  cost: Cost;
  priority: number;
}

interface Workload {
  limits: Cost;
  first: Spec[];
  second: Spec[];
  /** The second burst is added after this many completions (or once nothing runs any more). */
  secondAfter: number;
  /** Which running task completes next: choices[step] modulo the number running, in start order. */
  choices: number[];
}

interface Config {
  order: 'fifo' | 'backfill';
  maxBypass: number;
}

const NAMES = ['a', 'b', 'c'] as const;

const taskArb = fc.record({
  amounts: fc.array(fc.nat({ max: 5 }), { minLength: 3, maxLength: 3 }),
  omit: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  priority: fc.integer({ min: -1, max: 2 }),
});
type TaskSeed = typeof taskArb extends fc.Arbitrary<infer T> ? T : never;

const workloadArb: fc.Arbitrary<Workload> = fc
  .record({
    resources: fc.integer({ min: 2, max: 3 }),
    limits: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }),
    first: fc.array(taskArb, { minLength: 1, maxLength: 14 }),
    second: fc.array(taskArb, { maxLength: 8 }),
    secondAfter: fc.nat({ max: 10 }),
    choices: fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 20 }),
  })
  .map(({ resources, limits, first, second, secondAfter, choices }) => {
    const names = NAMES.slice(0, resources);
    const lim: Cost = {};
    names.forEach((n, i) => {
      lim[n] = limits[i] as number;
    });
    let next = 0;
    const spec = (seed: TaskSeed): Spec => {
      const cost: Cost = {};
      names.forEach((n, i) => {
        // Any amount from 0 (listed but taking nothing) up to the whole limit.
        if (!seed.omit[i]) cost[n] = (seed.amounts[i] as number) % ((lim[n] as number) + 1);
      });
      return { key: `t${next++}`, cost, priority: seed.priority };
    };
    return { limits: lim, first: first.map(spec), second: second.map(spec), secondAfter, choices };
  });

const CONFIGS: Config[] = [
  { order: 'fifo', maxBypass: 16 },
  { order: 'fifo', maxBypass: 0 },
  { order: 'backfill', maxBypass: 0 },
  { order: 'backfill', maxBypass: 1 },
  { order: 'backfill', maxBypass: 3 },
  { order: 'backfill', maxBypass: 16 },
];

/** Resources a cost takes a non-zero amount of. */
function takes(cost: Cost): string[] {
  return Object.keys(cost).filter((r) => (cost[r] as number) > 0);
}

/**
 * Under a reservation, whether a task of cost `passer` may still pass the head: it fits with the head's whole
 * cost set aside. A pass that fails this test is "competing": it is allowed only before the head holds a
 * reservation, so each head sees at most `maxBypass` of them.
 */
function mayPassReserved(pool: Pool, passer: Cost, head: Cost): boolean {
  return takes(passer).every(
    (r) => (pool.inUse[r] as number) + (passer[r] as number) + (head[r] ?? 0) <= (pool.limits[r] as number),
  );
}

/** Ready tasks, the capacity in use, and the ranking rule; shared by the model and the checker. */
class Pool {
  readonly ready: (Spec & { seq: number })[] = [];
  readonly inUse: Cost;
  #seq = 0;

  constructor(readonly limits: Cost) {
    this.inUse = Object.fromEntries(Object.keys(limits).map((r) => [r, 0]));
  }

  /** Tasks become ready in the order given; the list stays ranked by priority desc, then readiness. */
  add(specs: readonly Spec[]): void {
    for (const s of specs) this.ready.push({ ...s, seq: this.#seq++ });
    this.ready.sort((x, y) => y.priority - x.priority || x.seq - y.seq);
  }

  fits(cost: Cost): boolean {
    return takes(cost).every(
      (r) => (this.inUse[r] as number) + (cost[r] as number) <= (this.limits[r] as number),
    );
  }

  take(key: string): Spec {
    const i = this.ready.findIndex((t) => t.key === key);
    if (i < 0) throw new Error(`${key} started but was not ready`);
    const spec = this.ready.splice(i, 1)[0] as Spec;
    for (const r of takes(spec.cost)) this.inUse[r] = (this.inUse[r] as number) + (spec.cost[r] as number);
    return spec;
  }

  give(spec: Spec): void {
    for (const r of takes(spec.cost)) this.inUse[r] = (this.inUse[r] as number) - (spec.cost[r] as number);
  }
}

/** The naive model: a literal first-fit scan of the ranked ready list. */
class Model {
  readonly pool: Pool;
  readonly started: string[] = [];
  readonly running: Spec[] = [];
  /** Passes per head (every pass counts). */
  readonly passes = new Map<string, number>();
  /** Passes per head by a task that took something the head lacked at that moment. */
  readonly competing = new Map<string, number>();

  constructor(
    limits: Cost,
    readonly config: Config,
  ) {
    this.pool = new Pool(limits);
  }

  add(specs: readonly Spec[]): void {
    this.pool.add(specs);
    this.#startWhatCan();
  }

  complete(key: string): void {
    const i = this.running.findIndex((t) => t.key === key);
    const [spec] = this.running.splice(i, 1) as [Spec];
    this.pool.give(spec);
    this.#startWhatCan();
  }

  #startWhatCan(): void {
    const { pool, config } = this;
    for (;;) {
      const head = pool.ready[0];
      if (head === undefined) return;
      if (pool.fits(head.cost)) {
        this.#start(head.key);
        continue;
      }
      if (config.order === 'fifo') return;
      const passes = this.passes.get(head.key) ?? 0;
      const reserved = passes >= config.maxBypass;
      const passer = pool.ready.find(
        (t, i) => i > 0 && pool.fits(t.cost) && (!reserved || mayPassReserved(pool, t.cost, head.cost)),
      );
      if (passer === undefined) return;
      this.passes.set(head.key, passes + 1);
      if (!mayPassReserved(pool, passer.cost, head.cost))
        this.competing.set(head.key, (this.competing.get(head.key) ?? 0) + 1);
      this.#start(passer.key);
    }
  }

  #start(key: string): void {
    this.started.push(key);
    this.running.push(this.pool.take(key));
  }
}

/**
 * Checks the scheduler's own observed starts against the rules, without deciding anything itself: a head that
 * fits is never passed, fifo never passes, every start fits, and a pass that does not fit beside the head
 * happens only while the head has been passed fewer than `maxBypass` times.
 */
class StartChecker {
  readonly pool: Pool;
  readonly byKey = new Map<string, Spec>();
  readonly passes = new Map<string, number>();
  readonly competing = new Map<string, number>();
  seen = 0;

  constructor(
    limits: Cost,
    readonly config: Config,
  ) {
    this.pool = new Pool(limits);
  }

  add(specs: readonly Spec[]): void {
    for (const s of specs) this.byKey.set(s.key, s);
    this.pool.add(specs);
  }

  /** Replays the starts observed since the last call, in order. */
  observe(started: readonly string[]): void {
    const { pool, config } = this;
    for (; this.seen < started.length; this.seen++) {
      const key = started[this.seen] as string;
      const head = pool.ready[0];
      if (head === undefined) throw new Error(`${key} started with nothing ready`);
      const spec = this.byKey.get(key) as Spec;
      expect(pool.fits(spec.cost), `${key} started without fitting`).toBe(true);
      if (key !== head.key) {
        expect(config.order, `fifo let ${key} pass the head ${head.key}`).toBe('backfill');
        expect(pool.fits(head.cost), `${key} passed the head ${head.key} although the head fitted`).toBe(
          false,
        );
        const passes = this.passes.get(head.key) ?? 0;
        if (!mayPassReserved(pool, spec.cost, head.cost)) {
          expect(
            passes,
            `${key} passed ${head.key}, which held a reservation after ${passes} passes, without fitting beside it`,
          ).toBeLessThan(config.maxBypass);
          this.competing.set(head.key, (this.competing.get(head.key) ?? 0) + 1);
        }
        this.passes.set(head.key, passes + 1);
      }
      pool.take(key);
    }
  }

  /** After the scheduler has settled: a ready head that fits would have been started. */
  checkSettled(): void {
    const head = this.pool.ready[0];
    if (head !== undefined)
      expect(this.pool.fits(head.cost), `the head ${head.key} fits but did not start`).toBe(false);
  }

  complete(key: string): void {
    this.pool.give(this.byKey.get(key) as Spec);
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs the workload on a real scheduler and on the model with the same completions; compares at each step. */
async function compare(w: Workload, config: Config): Promise<{ model: Model; checker: StartChecker }> {
  const s = new Scheduler({ limits: w.limits, order: config.order, maxBypass: config.maxBypass });
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const addBurst = (specs: readonly Spec[]): void => {
    for (const spec of specs)
      void s.add(
        () => {
          started.push(spec.key);
          return new Promise<void>((resolve) => finish.set(spec.key, resolve));
        },
        { key: spec.key, cost: spec.cost, priority: spec.priority },
      );
  };
  const model = new Model(w.limits, config);
  const checker = new StartChecker(w.limits, config);
  const step = (what: string): void => {
    checker.observe(started);
    checker.checkSettled();
    expect(started, `start order after ${what}`).toEqual(model.started);
  };

  addBurst(w.first);
  checker.add(w.first);
  await turn();
  model.add(w.first);
  step('the first burst');

  let completions = 0;
  let secondAdded = w.second.length === 0;
  for (let i = 0; ; i++) {
    if (!secondAdded && (completions >= w.secondAfter || model.running.length === 0)) {
      secondAdded = true;
      addBurst(w.second);
      checker.add(w.second);
      await turn();
      model.add(w.second);
      step('the second burst');
      continue;
    }
    if (model.running.length === 0) break;
    const choice = w.choices[i % w.choices.length] as number;
    const key = (model.running[choice % model.running.length] as Spec).key;
    finish.get(key)?.();
    await turn();
    completions++;
    checker.complete(key);
    model.complete(key);
    step(`${key} completed`);
  }

  const all = w.first.length + w.second.length;
  expect(started).toHaveLength(all);
  await s.onIdle();
  expect(s.stats).toMatchObject({ completed: all, queued: 0, running: 0 });
  for (const [, v] of Object.entries(s.stats.inUse)) expect(v).toBe(0);
  return { model, checker };
}

describe('start order matches a naive first-fit model', () => {
  it('fifo and backfill with maxBypass 0, 1, 3 and 16 start tasks exactly as the model does', async () => {
    await fc.assert(
      fc.asyncProperty(workloadArb, async (w) => {
        for (const config of CONFIGS) {
          const { model, checker } = await compare(w, config);
          // A head is passed by tasks that do not fit beside it at most maxBypass times (model and observed).
          for (const n of model.competing.values()) expect(n).toBeLessThanOrEqual(config.maxBypass);
          for (const n of checker.competing.values()) expect(n).toBeLessThanOrEqual(config.maxBypass);
          expect(checker.passes).toEqual(model.passes);
          if (config.order === 'fifo') expect(model.passes.size).toBe(0);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a workload where the head is passed: both orders agree with the model', async () => {
    // Limits a:2, b:2. t0 takes a:2; the head t1 needs a:2 and waits; t2..t4 need b:1 and may pass it.
    const w: Workload = {
      limits: { a: 2, b: 2 },
      first: [
        { key: 't0', cost: { a: 2 }, priority: 0 },
        { key: 't1', cost: { a: 2 }, priority: 0 },
        { key: 't2', cost: { a: 1 }, priority: 0 },
        { key: 't3', cost: { b: 1 }, priority: 0 },
        { key: 't4', cost: { b: 1 }, priority: 0 },
      ],
      second: [],
      secondAfter: 0,
      choices: [0],
    };
    const fifo = await compare(w, { order: 'fifo', maxBypass: 16 });
    expect(fifo.model.started).toEqual(['t0', 't1', 't2', 't3', 't4']);
    const backfill = await compare(w, { order: 'backfill', maxBypass: 0 });
    // t1 holds a reservation at once: t3 and t4 take no "a", so they pass; t2 would take "a", so it waits.
    expect(backfill.model.started.slice(0, 3)).toEqual(['t0', 't3', 't4']);
  });
});

describe('a reservation bounds how long the head waits', () => {
  it('maxBypass 0: small tasks taking, in turn, the resources the head needs cannot keep it waiting', async () => {
    // Limits a:2, b:2. x takes a:1; the head needs a:2 and b:2; behind it wait ten pairs (b:1, a:1).
    // With maxBypass 0 the head holds a reservation from the start. A rule that only blocked the resources the
    // head lacks at that moment would let each small task through (it takes what the head is not yet short of),
    // and the next one would take the other resource, so the head would wait for the whole stream. Letting a
    // task pass only if it fits with the head's cost set aside bounds this: none may get ahead of the head.
    const s = new Scheduler({ limits: { a: 2, b: 2 }, maxBypass: 0 });
    const started: string[] = [];
    const finish = new Map<string, () => void>();
    const add = (key: string, cost: Cost): void => {
      void s.add(
        () => {
          started.push(key);
          return new Promise<void>((resolve) => finish.set(key, resolve));
        },
        { key, cost },
      );
    };
    add('x', { a: 1 });
    add('head', { a: 2, b: 2 });
    for (let i = 0; i < 10; i++) {
      add(`b${i}`, { b: 1 });
      add(`a${i}`, { a: 1 });
    }
    await turn();
    // Always end the task that has run longest, until the head starts.
    while (!started.includes('head')) {
      const key = started.find((k) => finish.has(k));
      if (key === undefined) break;
      finish.get(key)?.();
      finish.delete(key);
      await turn();
    }
    const at = started.indexOf('head');
    const ahead = started.slice(0, at < 0 ? started.length : at).filter((k) => k !== 'x');
    expect(ahead.length, `started ahead of the head: ${ahead.join(' ')}`).toBeLessThanOrEqual(1);
    while (finish.size > 0) {
      for (const [key, end] of [...finish]) {
        finish.delete(key);
        end();
      }
      await turn();
    }
    await s.onIdle();
  });
});
