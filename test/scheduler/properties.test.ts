import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AddItem,
  type AddOptions,
  ResourceCapacitySource,
  Scheduler,
  type SchedulerTaskFn,
  type TaskHandle,
  type TaskState,
} from '../../src/index.js';

// Property tests of the scheduler's invariants over random dependency graphs and random task behaviour, on real
// short timers. Only order and invariants are asserted, never how long anything took:
//
// - every handle settles exactly once, and the task's final state is the one terminal state that matches how
//   its handle settled (its value: completed; a cancellation: cancelled; a task or queue timeout: timed-out; a
//   dependency that did not complete: skipped; the task's own error: failed);
// - `complete` or `fail` fires exactly once per task, and agrees with the handle;
// - a task's function runs only after all its dependencies completed;
// - capacity is never over-committed: a ledger kept by the task functions themselves (added when a function is
//   entered, removed when it really settles, also for cancelled or timed-out functions still running) never
//   exceeds the limits, at the scheduler's level and, with a parent, at the parent's level;
// - nothing starts while paused or after `close({ cancel: true })`; a plain `close` lets the work finish;
// - once idle, all capacity is back and the counts add up;
// - handles nobody awaits never cause an unhandled rejection.

type Cost = Record<string, number>;

type Behaviour =
  /** Returns a value, at once or after a short wait. */
  | { kind: 'value'; ms: number; sync: boolean }
  /** Throws its own error, at once or after a short wait. */
  | { kind: 'throw'; ms: number; sync: boolean }
  /** An async generator yielding `values` progress values, then returning. */
  | { kind: 'stream'; values: number; ms: number }
  /** Cancelled right after being added (`now`) or after `at` ms; runs `ms` ms (less if it `honours` its signal). */
  | { kind: 'cancel'; via: 'handle' | 'key' | 'signal'; at: number | 'now'; ms: number; honours: boolean }
  /** Has `timeoutMs` but ignores its signal and runs `over` ms longer; `attempts` tries. */
  | { kind: 'timeout'; timeoutMs: number; over: number; attempts: number }
  /** Fails its first `failFirst` tries (of `attempts`), then returns. */
  | { kind: 'retry'; attempts: number; failFirst: number; ms: number; backoffMs: number; sync: boolean };

interface TaskSpec {
  key: string;
  cost: Cost;
  deps: string[];
  priority: number;
  behaviour: Behaviour;
  queueTimeoutMs: number | null;
  /** When the test awaits the handle: right after adding, after the scheduler is idle, or never. */
  observe: 'early' | 'late' | 'never';
}

interface RunSpec {
  tasks: TaskSpec[];
  addAll: boolean;
  pause: { at: number; for: number } | null;
  /** When `close` is called, and whether it cancels the work. */
  close: { at: number; cancel: boolean } | null;
}

class OwnError extends Error {
  constructor(
    readonly taskKey: string,
    readonly attempt: number,
  ) {
    super(`own failure of ${taskKey} (attempt ${attempt})`);
  }
}

const NAMES = ['a', 'b', 'c'] as const;
const TERMINAL: readonly TaskState[] = ['completed', 'failed', 'cancelled', 'timed-out', 'skipped'];

// ---------------------------------------------------------------------------------------------------------
// Generators

const ms = fc.integer({ min: 0, max: 5 });

/** `null` most of the time, sometimes a value. */
const rarely = <T>(arb: fc.Arbitrary<T>, weight = 1): fc.Arbitrary<T | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: arb, weight });

const behaviourArb: fc.Arbitrary<Behaviour> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('value' as const), ms, sync: fc.boolean() }),
    weight: 3,
  },
  fc.record({ kind: fc.constant('throw' as const), ms, sync: fc.boolean() }),
  {
    arbitrary: fc.record({
      kind: fc.constant('stream' as const),
      values: fc.integer({ min: 0, max: 3 }),
      ms,
    }),
    weight: 2,
  },
  fc.record({
    kind: fc.constant('cancel' as const),
    via: fc.constantFrom('handle' as const, 'key' as const, 'signal' as const),
    at: fc.oneof(fc.constant('now' as const), fc.integer({ min: 0, max: 6 })),
    ms,
    honours: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('timeout' as const),
    timeoutMs: fc.integer({ min: 1, max: 3 }),
    over: fc.integer({ min: 1, max: 4 }),
    attempts: fc.integer({ min: 1, max: 2 }),
  }),
  fc.record({
    kind: fc.constant('retry' as const),
    attempts: fc.integer({ min: 1, max: 3 }),
    failFirst: fc.integer({ min: 0, max: 3 }),
    ms,
    backoffMs: fc.integer({ min: 0, max: 2 }),
    sync: fc.boolean(),
  }),
);

const taskSeedArb = fc.record({
  // Mostly small amounts, so several tasks run at once; sometimes up to the whole limit.
  amounts: fc.array(fc.oneof({ arbitrary: fc.nat({ max: 2 }), weight: 3 }, fc.nat({ max: 4 })), {
    minLength: 3,
    maxLength: 3,
  }),
  deps: fc.oneof(fc.constant<number[]>([]), fc.array(fc.nat({ max: 1000 }), { maxLength: 2 })),
  priority: fc.integer({ min: -2, max: 2 }),
  behaviour: behaviourArb,
  queueTimeoutMs: rarely(fc.integer({ min: 1, max: 6 })),
  observe: fc.constantFrom('early' as const, 'late' as const, 'never' as const),
});
type TaskSeed = typeof taskSeedArb extends fc.Arbitrary<infer T> ? T : never;

const runSeedArb = fc.record({
  tasks: fc.array(taskSeedArb, { minLength: 1, maxLength: 12 }),
  addAll: fc.boolean(),
  pause: rarely(fc.record({ at: fc.integer({ min: 0, max: 6 }), for: fc.integer({ min: 1, max: 5 }) }), 2),
  close: rarely(fc.record({ at: fc.integer({ min: 0, max: 12 }), cancel: fc.boolean() }), 2),
});
type RunSeed = typeof runSeedArb extends fc.Arbitrary<infer T> ? T : never;

const limitsArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 3 });

function toLimits(names: readonly string[], amounts: readonly number[]): Cost {
  return Object.fromEntries(names.map((n, i) => [n, amounts[i] as number]));
}

/** Builds tasks whose every cost fits `fit` (the smallest limit of each resource along the chain). */
function buildRun(seed: RunSeed, names: readonly string[], fit: Cost, prefix: string): RunSpec {
  const tasks = seed.tasks.map((t: TaskSeed, i): TaskSpec => {
    const cost: Cost = {};
    names.forEach((n, r) => {
      const amount = (t.amounts[r] as number) % ((fit[n] as number) + 1);
      if (amount > 0) cost[n] = amount;
    });
    const deps = i === 0 ? [] : [...new Set(t.deps.map((d) => `${prefix}${d % i}`))];
    return {
      key: `${prefix}${i}`,
      cost,
      deps,
      priority: t.priority,
      behaviour: t.behaviour,
      queueTimeoutMs: t.queueTimeoutMs,
      observe: t.observe,
    };
  });
  return { tasks, addAll: seed.addAll, pause: seed.pause, close: seed.close };
}

const singleArb = fc
  .record({ resources: fc.integer({ min: 2, max: 3 }), limits: limitsArb, run: runSeedArb })
  .map(({ resources, limits, run }) => {
    const names = NAMES.slice(0, resources);
    const lim = toLimits(names, limits);
    return { limits: lim, run: buildRun(run, names, lim, 't') };
  });

const hierarchyArb = fc
  .record({
    resources: fc.integer({ min: 2, max: 3 }),
    parent: limitsArb,
    childA: limitsArb,
    childB: limitsArb,
    runA: runSeedArb,
    runB: runSeedArb,
  })
  .map(({ resources, parent, childA, childB, runA, runB }) => {
    const names = NAMES.slice(0, resources);
    const p = toLimits(names, parent);
    const a = toLimits(names, childA);
    const b = toLimits(names, childB);
    const min = (x: Cost): Cost =>
      Object.fromEntries(names.map((n) => [n, Math.min(x[n] as number, p[n] as number)]));
    return {
      parent: p,
      childA: a,
      childB: b,
      runA: buildRun(runA, names, min(a), 'a'),
      runB: buildRun(runB, names, min(b), 'b'),
    };
  });

// ---------------------------------------------------------------------------------------------------------
// Instrumentation

/** Capacity held according to the task functions themselves. */
class Ledger {
  readonly inUse: Cost;
  readonly violations: string[] = [];

  constructor(
    readonly name: string,
    readonly limits: Cost,
  ) {
    this.inUse = Object.fromEntries(Object.keys(limits).map((r) => [r, 0]));
  }

  enter(key: string, cost: Cost): void {
    for (const [r, v] of Object.entries(cost)) {
      const now = (this.inUse[r] as number) + v;
      this.inUse[r] = now;
      if (now > (this.limits[r] as number))
        this.violations.push(
          `${key} entered with ${r} ${now} in use at ${this.name} (limit ${this.limits[r]})`,
        );
    }
  }

  leave(cost: Cost): void {
    for (const [r, v] of Object.entries(cost)) this.inUse[r] = (this.inUse[r] as number) - v;
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

type LogEntry =
  | { t: 'enter' | 'leave'; key: string; attempt: number }
  | { t: 'complete' | 'fail'; key: string }
  | { t: 'pause' | 'resume' | 'close' | 'close-cancel' };

interface Tracked {
  spec: TaskSpec;
  handle: TaskHandle<unknown>;
  /** How often each early `then` callback ran. */
  settleCalls: number;
  early: Outcome | undefined;
  enters: number;
  leaves: number;
  startEvents: number;
  retryEvents: number[];
  completeEvents: unknown[];
  failEvents: { state: string; error: unknown }[];
  progress: unknown[];
  onProgress: unknown[];
  cancels: { returned: boolean; stateBefore: TaskState }[];
}

interface Launched {
  scheduler: Scheduler;
  spec: RunSpec;
  tracked: Map<string, Tracked>;
  log: LogEntry[];
  violations: string[];
  /** Timers the test set (cancels, pause/resume, close): all have run once these resolve. */
  timers: Promise<void>[];
  closing: Promise<void>[];
  closed: boolean;
  idleEvents: number;
}

const sleep = (n: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, n));

/** Sleeps `n` ms, or less when `signal` aborts first. */
function sleepUnless(n: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, n);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function later(n: number, fn: () => void): Promise<void> {
  return new Promise((resolve) =>
    setTimeout(() => {
      fn();
      resolve();
    }, n),
  );
}

async function outcomeOf(p: PromiseLike<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The one terminal state that matches how a handle settled. */
function stateOf(o: Outcome): string {
  if (o.ok) return 'completed';
  if (o.error instanceof OwnError) return 'failed';
  switch ((o.error as { code?: unknown }).code) {
    case 'ALLOT_TASK_CANCELLED':
      return 'cancelled';
    case 'ALLOT_TASK_TIMEOUT':
    case 'ALLOT_QUEUE_TIMEOUT':
      return 'timed-out';
    case 'ALLOT_DEPENDENCY_FAILED':
      return 'skipped';
    default:
      return `unexpected error: ${String(o.error)}`;
  }
}

const resultOf = (key: string): string => `value of ${key}`;

/** The task's function: keeps the ledgers and the log, checks its dependencies, then behaves as specified. */
function taskFunction(t: Tracked, env: Launched, ledgers: readonly Ledger[]): SchedulerTaskFn {
  const spec = t.spec;
  const b = spec.behaviour;
  return (ctx) => {
    const attempt = ctx.attempt;
    t.enters++;
    env.log.push({ t: 'enter', key: spec.key, attempt });
    for (const l of ledgers) l.enter(spec.key, spec.cost);
    for (const d of spec.deps) {
      const dep = env.tracked.get(d) as Tracked;
      if (dep.handle.state !== 'completed')
        env.violations.push(`${spec.key} started while its dependency ${d} was ${dep.handle.state}`);
    }
    const stats = env.scheduler.stats;
    for (const [r, v] of Object.entries(stats.inUse))
      if (v > (stats.limits[r] as number)) env.violations.push(`stats.inUse.${r} = ${v} above its limit`);
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      t.leaves++;
      for (const l of ledgers) l.leave(spec.cost);
      env.log.push({ t: 'leave', key: spec.key, attempt });
    };
    switch (b.kind) {
      case 'value':
        if (b.sync) {
          leave();
          return resultOf(spec.key);
        }
        return (async () => {
          try {
            await sleep(b.ms);
            return resultOf(spec.key);
          } finally {
            leave();
          }
        })();
      case 'throw':
        if (b.sync) {
          leave();
          throw new OwnError(spec.key, attempt);
        }
        return (async () => {
          try {
            await sleep(b.ms);
            throw new OwnError(spec.key, attempt);
          } finally {
            leave();
          }
        })();
      case 'stream':
        return (async function* () {
          try {
            for (let i = 0; i < b.values; i++) {
              await sleep(b.ms);
              yield i;
            }
            return resultOf(spec.key);
          } finally {
            leave();
          }
        })();
      case 'cancel':
        return (async () => {
          try {
            await sleepUnless(b.ms, b.honours ? ctx.signal : undefined);
            return resultOf(spec.key);
          } finally {
            leave();
          }
        })();
      case 'timeout':
        return (async () => {
          try {
            await sleep(b.timeoutMs + b.over); // ignores its signal
            return resultOf(spec.key);
          } finally {
            leave();
          }
        })();
      case 'retry':
        if (b.sync) {
          leave();
          if (attempt <= b.failFirst) throw new OwnError(spec.key, attempt);
          return resultOf(spec.key);
        }
        return (async () => {
          try {
            await sleep(b.ms);
            if (attempt <= b.failFirst) throw new OwnError(spec.key, attempt);
            return resultOf(spec.key);
          } finally {
            leave();
          }
        })();
    }
  };
}

function optionsOf(spec: TaskSpec, t: Tracked, signal: AbortSignal | undefined): AddOptions {
  const o: AddOptions = { key: spec.key, cost: spec.cost, priority: spec.priority };
  if (spec.deps.length > 0) o.deps = spec.deps;
  if (spec.queueTimeoutMs !== null) o.queueTimeoutMs = spec.queueTimeoutMs;
  if (signal !== undefined) o.signal = signal;
  const b = spec.behaviour;
  if (b.kind === 'timeout') {
    o.timeoutMs = b.timeoutMs;
    o.retry = { attempts: b.attempts };
  }
  if (b.kind === 'retry') o.retry = { attempts: b.attempts, backoff: { initialMs: b.backoffMs } };
  if (b.kind === 'stream') o.onProgress = (v) => t.onProgress.push(v);
  return o;
}

/** Adds a run's tasks to `s` in one synchronous burst and sets up its cancels, pause/resume and close. */
function launch(s: Scheduler, spec: RunSpec, ledgers: readonly Ledger[]): Launched {
  const env: Launched = {
    scheduler: s,
    spec,
    tracked: new Map(),
    log: [],
    violations: [],
    timers: [],
    closing: [],
    closed: false,
    idleEvents: 0,
  };
  const tracked = env.tracked;
  const get = (key: string): Tracked => tracked.get(key) as Tracked;
  s.on('start', (e) => get(e.key).startEvents++);
  s.on('retry', (e) => get(e.key).retryEvents.push(e.attempt));
  s.on('progress', (e) => get(e.key).progress.push(e.value));
  s.on('complete', (e) => {
    env.log.push({ t: 'complete', key: e.key });
    get(e.key).completeEvents.push(e.value);
  });
  s.on('fail', (e) => {
    env.log.push({ t: 'fail', key: e.key });
    get(e.key).failEvents.push({ state: e.state, error: e.error });
  });
  s.on('idle', () => env.idleEvents++);

  const controllers = new Map<string, AbortController>();
  const items: AddItem[] = [];
  for (const spec of env.spec.tasks) {
    const t: Tracked = {
      spec,
      handle: undefined as unknown as TaskHandle<unknown>,
      settleCalls: 0,
      early: undefined,
      enters: 0,
      leaves: 0,
      startEvents: 0,
      retryEvents: [],
      completeEvents: [],
      failEvents: [],
      progress: [],
      onProgress: [],
      cancels: [],
    };
    tracked.set(spec.key, t);
    let signal: AbortSignal | undefined;
    const b = spec.behaviour;
    if (b.kind === 'cancel' && b.via === 'signal') {
      const c = new AbortController();
      // Cancelling "now" through a signal: it is already aborted when the task is added.
      if (b.at === 'now') c.abort('aborted before add');
      controllers.set(spec.key, c);
      signal = c.signal;
    }
    items.push({ run: taskFunction(t, env, ledgers), ...optionsOf(spec, t, signal) });
  }

  const handles = spec.addAll ? s.addAll(items) : items.map(({ run, ...o }) => s.add(run, o));
  handles.forEach((h, i) => {
    const t = get((spec.tasks[i] as TaskSpec).key);
    t.handle = h;
    if (t.spec.observe === 'early')
      h.then(
        (value) => {
          t.settleCalls++;
          t.early = { ok: true, value };
        },
        (error: unknown) => {
          t.settleCalls++;
          t.early = { ok: false, error };
        },
      );
  });

  for (const t of tracked.values()) {
    const b = t.spec.behaviour;
    if (b.kind !== 'cancel') continue;
    const cancel = (): void => {
      const stateBefore = t.handle.state;
      let returned: boolean;
      if (b.via === 'handle') returned = t.handle.cancel('by handle');
      else if (b.via === 'key') returned = s.cancel(t.spec.key, 'by key');
      else {
        const c = controllers.get(t.spec.key) as AbortController;
        returned = !c.signal.aborted && !TERMINAL.includes(stateBefore);
        c.abort('by signal');
      }
      t.cancels.push({ returned, stateBefore });
    };
    if (b.at === 'now') {
      if (b.via !== 'signal') cancel();
    } else env.timers.push(later(b.at, cancel));
  }

  if (spec.pause !== null) {
    const { at, for: length } = spec.pause;
    env.timers.push(
      later(at, () => {
        s.pause();
        env.log.push({ t: 'pause' });
      }).then(() =>
        later(length, () => {
          env.log.push({ t: 'resume' });
          s.resume();
        }),
      ),
    );
  }
  const close = spec.close;
  if (close !== null) {
    env.timers.push(
      later(close.at, () => {
        env.closed = true;
        env.log.push({ t: close.cancel ? 'close-cancel' : 'close' });
        env.closing.push(s.close({ cancel: close.cancel }));
      }),
    );
  }
  return env;
}

/** Waits until the run is over (all test timers fired, idle, closed), or fails with what is still pending. */
async function finish(env: Launched): Promise<void> {
  const done = (async () => {
    await Promise.all(env.timers);
    await Promise.all(env.closing);
    await env.scheduler.onIdle();
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<'stuck'>((resolve) => {
    timer = setTimeout(() => resolve('stuck'), 1500);
  });
  const r = await Promise.race([done.then(() => 'done' as const), stuck]);
  clearTimeout(timer);
  if (r === 'stuck') {
    const states = [...env.tracked.values()].map((t) => `${t.spec.key}:${t.handle.state}`).join(' ');
    throw new Error(`never became idle: ${states}; stats ${JSON.stringify(env.scheduler.stats)}`);
  }
}

/** Which terminal states the task may end in, given how it was set up. */
function allowedStates(t: Tracked, env: Launched): Set<string> {
  const b = t.spec.behaviour;
  const allowed = new Set<string>();
  if (b.kind === 'value' || b.kind === 'stream') allowed.add('completed');
  if (b.kind === 'throw') allowed.add('failed');
  if (b.kind === 'retry') allowed.add(b.failFirst < b.attempts ? 'completed' : 'failed');
  if (b.kind === 'cancel') allowed.add('cancelled').add('completed');
  if (b.kind === 'timeout') allowed.add('timed-out').add('completed');
  if (t.spec.deps.length > 0) allowed.add('skipped');
  if (t.spec.queueTimeoutMs !== null) allowed.add('timed-out');
  if (env.spec.close?.cancel === true) allowed.add('cancelled');
  return allowed;
}

/** Everything checked once a run is over. */
async function checkRun(env: Launched): Promise<void> {
  const s = env.scheduler;
  const { tracked, log } = env;
  expect(env.violations.join('\n'), 'violations seen by the task functions').toBe('');

  const outcomes = new Map<string, Outcome>();
  for (const t of tracked.values()) {
    const key = t.spec.key;
    const state = t.handle.state;
    expect(TERMINAL, `${key} ended in a terminal state`).toContain(state);

    // complete/fail: exactly one event per task, agreeing with the final state.
    expect(t.completeEvents.length + t.failEvents.length, `${key}: one complete or fail event`).toBe(1);
    if (state === 'completed') expect(t.completeEvents).toHaveLength(1);
    else expect(t.failEvents[0]?.state, `${key}: the fail event names its state`).toBe(state);

    // The handle: settled once (early observers), with the same outcome however late it is awaited.
    let outcome: Outcome;
    if (t.spec.observe === 'early') {
      expect(t.settleCalls, `${key}: the handle settled once`).toBe(1);
      outcome = t.early as Outcome;
      const again = await outcomeOf(t.handle);
      expect(again).toEqual(outcome);
    } else if (t.spec.observe === 'late') {
      outcome = await outcomeOf(t.handle);
    } else {
      // Never awaited: read the outcome from the event instead.
      outcome =
        state === 'completed'
          ? { ok: true, value: t.completeEvents[0] }
          : { ok: false, error: t.failEvents[0]?.error };
    }
    outcomes.set(key, outcome);
    expect(stateOf(outcome), `${key}: its state matches how its handle settled`).toBe(state);
    if (outcome.ok) {
      expect(outcome.value).toBe(resultOf(key));
      expect(t.completeEvents[0]).toBe(outcome.value);
    } else {
      expect(t.failEvents[0]?.error, `${key}: the fail event carries the handle's error`).toBe(outcome.error);
    }
    expect([...allowedStates(t, env)], `${key}: a state its set-up allows`).toContain(state);

    // Functions: every entered function left, one start event per entry, nothing entered before its start.
    expect(t.leaves, `${key}: every entered function settled`).toBe(t.enters);
    expect(t.startEvents, `${key}: one start event per run of its function`).toBe(t.enters);
    const b = t.spec.behaviour;
    if (state === 'completed') expect(t.retryEvents).toHaveLength(t.enters - 1);
    else expect(t.retryEvents.length).toBeLessThanOrEqual(t.enters);
    expect(t.retryEvents, `${key}: retries numbered by attempt`).toEqual(t.retryEvents.map((_, i) => i + 1));
    if (b.kind !== 'retry' && b.kind !== 'timeout') expect(t.enters).toBeLessThanOrEqual(1);
    if (
      state === 'skipped' ||
      (!outcome.ok && (outcome.error as { code?: string }).code === 'ALLOT_QUEUE_TIMEOUT')
    )
      expect(t.enters, `${key}: ${state} without a start never runs`).toBe(0);
    if (b.kind === 'stream') {
      const all = Array.from({ length: b.values }, (_, i) => i);
      expect(all.slice(0, t.progress.length), `${key}: progress in order`).toEqual(t.progress);
      if (state === 'completed') expect(t.progress).toEqual(all);
      expect(t.onProgress).toEqual(t.progress);
    }

    // Cancels: true means it was cancelled by it; false means it had already ended.
    for (const c of t.cancels) {
      if (c.returned) expect(state).toBe('cancelled');
      else expect(TERMINAL, `${key}: cancel returned false while ${c.stateBefore}`).toContain(c.stateBefore);
    }
    if (b.kind === 'cancel' && b.at === 'now') {
      expect(t.enters, `${key}: cancelled before it started, so it never runs`).toBe(0);
      expect(['cancelled', 'skipped']).toContain(state);
    }
  }

  // Dependencies: a dependent runs only after each dependency's complete event; its state follows theirs.
  const completedAt = new Map<string, number>();
  log.forEach((e, i) => {
    if (e.t === 'complete') completedAt.set(e.key, i);
  });
  log.forEach((e, i) => {
    if (e.t !== 'enter') return;
    for (const d of (tracked.get(e.key) as Tracked).spec.deps)
      expect(
        completedAt.get(d) ?? Infinity,
        `${e.key} ran before its dependency ${d} completed`,
      ).toBeLessThan(i);
  });
  for (const t of tracked.values()) {
    const state = t.handle.state;
    const failedDeps = t.spec.deps.filter((d) => (tracked.get(d) as Tracked).handle.state !== 'completed');
    if (state === 'completed') expect(failedDeps, `${t.spec.key} completed with unfinished deps`).toEqual([]);
    if (failedDeps.length > 0) expect(['skipped', 'cancelled', 'timed-out']).toContain(state);
    if (state === 'skipped') {
      const error = (outcomes.get(t.spec.key) as { error: { dependency?: string } }).error;
      expect(failedDeps, `${t.spec.key}: skipped names a dependency that did not complete`).toContain(
        error.dependency,
      );
    }
    // Without cancels or timeouts, the outcome follows from the behaviour and the dependencies.
    const b = t.spec.behaviour;
    const plain = b.kind === 'value' || b.kind === 'throw' || b.kind === 'stream' || b.kind === 'retry';
    if (plain && t.spec.queueTimeoutMs === null && env.spec.close?.cancel !== true) {
      const own =
        b.kind === 'throw' || (b.kind === 'retry' && b.failFirst >= b.attempts) ? 'failed' : 'completed';
      expect(state, `${t.spec.key}: determined outcome`).toBe(failedDeps.length > 0 ? 'skipped' : own);
    }
  }

  // Nothing entered while paused or after a cancelling close.
  let paused = false;
  let closed = false;
  for (const e of log) {
    if (e.t === 'pause') paused = true;
    if (e.t === 'resume') paused = false;
    if (e.t === 'close-cancel') closed = true;
    if (e.t === 'enter') {
      expect(paused, `${e.key} started while paused`).toBe(false);
      expect(closed, `${e.key} started after close({ cancel: true })`).toBe(false);
    }
  }
  if (env.closed)
    expect(() => s.add(() => 1)).toThrow(expect.objectContaining({ code: 'ALLOT_SCHEDULER_CLOSED' }));

  // Idle: all capacity back, counts add up.
  const stats = s.stats;
  for (const v of Object.values(stats.inUse)) expect(v).toBe(0);
  expect(stats).toMatchObject({ waiting: 0, queued: 0, running: 0, backoff: 0, releasing: 0 });
  const byState = (st: TaskState): number =>
    [...tracked.values()].filter((t) => t.handle.state === st).length;
  expect({
    completed: stats.completed,
    failed: stats.failed,
    cancelled: stats.cancelled,
    timedOut: stats.timedOut,
    skipped: stats.skipped,
  }).toEqual({
    completed: byState('completed'),
    failed: byState('failed'),
    cancelled: byState('cancelled'),
    timedOut: byState('timed-out'),
    skipped: byState('skipped'),
  });
  expect(stats.completed + stats.failed + stats.cancelled + stats.timedOut + stats.skipped).toBe(
    tracked.size,
  );
  expect(env.idleEvents, 'the idle event fired').toBeGreaterThanOrEqual(1);
}

function checkLedger(l: Ledger): void {
  expect(l.violations.join('\n'), `over-commit at ${l.name}`).toBe('');
  for (const v of Object.values(l.inUse)) expect(v, `${l.name}: ledger back to zero`).toBe(0);
}

// ---------------------------------------------------------------------------------------------------------
// Unhandled rejections: many handles are never awaited, and none of them may surface as unhandled.

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

/**
 * Normal runs take milliseconds; a run that never becomes idle takes 1.5 s to report, so shrinking is cut off
 * in time to still show the (partly shrunk) counterexample instead of the test timing out.
 */
const FC_LIMITS = { interruptAfterTimeLimit: 12_000, markInterruptAsFailure: true };

/** Lets pending rejections be reported (they surface after the microtask queue drains). */
async function quiet(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('scheduler properties over random dependency graphs and behaviours', () => {
  it('one scheduler: handles, states, events, dependencies, capacity and counts stay consistent', async () => {
    await fc.assert(
      fc.asyncProperty(singleArb, async ({ limits, run }) => {
        const before = unhandled.length;
        const s = new Scheduler({ limits });
        const ledger = new Ledger('the scheduler', limits);
        const env = launch(s, run, [ledger]);
        await finish(env);
        await quiet();
        await checkRun(env);
        checkLedger(ledger);
        await quiet();
        expect(unhandled.slice(before), 'unhandled rejections').toEqual([]);
      }),
      { numRuns: 80, ...FC_LIMITS },
    );
  });

  it('two schedulers on child capacities of one parent: neither level is over-committed', async () => {
    await fc.assert(
      fc.asyncProperty(hierarchyArb, async (h) => {
        const before = unhandled.length;
        const parent = new ResourceCapacitySource(h.parent);
        const sa = new Scheduler({ capacity: new ResourceCapacitySource(h.childA, parent) });
        const sb = new Scheduler({ capacity: new ResourceCapacitySource(h.childB, parent) });
        const parentLedger = new Ledger('the parent', h.parent);
        const ledgerA = new Ledger('child a', h.childA);
        const ledgerB = new Ledger('child b', h.childB);
        const a = launch(sa, h.runA, [ledgerA, parentLedger]);
        const b = launch(sb, h.runB, [ledgerB, parentLedger]);
        await Promise.all([finish(a), finish(b)]);
        await quiet();
        await checkRun(a);
        await checkRun(b);
        checkLedger(ledgerA);
        checkLedger(ledgerB);
        checkLedger(parentLedger);
        for (const v of Object.values(parent.inUse)) expect(v, 'parent capacity back').toBe(0);
        await quiet();
        expect(unhandled.slice(before), 'unhandled rejections').toEqual([]);
      }),
      { numRuns: 50, ...FC_LIMITS },
    );
  });
});
