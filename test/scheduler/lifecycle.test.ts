import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DependencyFailedError,
  QueueTimeoutError,
  Scheduler,
  SchedulerClosedError,
  TaskCancelledError,
  TaskTimeoutError,
} from '../../src/index.js';
import { codeOf, deferred, outcome, settle } from './helpers.js';

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  await settle();
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe('results and progress', () => {
  it('awaiting a handle gives the result of a value, a promise or an async generator', async () => {
    const s = new Scheduler({ limits: { cpu: 2 } });
    const progress: unknown[] = [];
    const plain = s.add(() => 1);
    const promised = s.add(async () => 2);
    const streamed = s.add(
      async function* () {
        yield 'a';
        yield 'b';
        return 3;
      },
      { onProgress: (v) => progress.push(v) },
    );
    const reported = s.add(
      async (ctx) => {
        ctx.progress(0.5);
        return 4;
      },
      { onProgress: (v) => progress.push(v) },
    );
    expect(await Promise.all([plain, promised, streamed, reported])).toEqual([1, 2, 3, 4]);
    expect(progress).toEqual(expect.arrayContaining(['a', 'b', 0.5]));
    expect(progress.indexOf('a')).toBeLessThan(progress.indexOf('b'));
  });

  it("a task's own error passes through unchanged", async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    const boom = new Error('boom');
    const sync = s.add(() => {
      throw boom;
    });
    const async = s.add(async () => Promise.reject(boom));
    const gen = s.add(async function* () {
      yield 1;
      throw boom;
    });
    for (const h of [sync, async, gen]) {
      const r = await outcome(h);
      expect(r).toEqual({ ok: false, error: boom });
      expect(h.state).toBe('failed');
    }
  });

  it('a handle nobody awaits raises no unhandled rejection; failures still show in events and stats', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    const fails: string[] = [];
    s.on('fail', (e) => fails.push(`${e.key}:${e.state}`));
    s.add(
      async () => {
        throw new Error('nobody listens');
      },
      { key: 'lonely' },
    );
    s.add(async () => 1, { key: 'child', deps: ['lonely'] });
    await s.onIdle();
    expect(fails).toEqual(['lonely:failed', 'child:skipped']);
    expect(s.stats.failed).toBe(1);
    expect(s.stats.skipped).toBe(1);
  });
});

describe('dependencies', () => {
  it('completion frees dependents; any other end skips them transitively, at once, with the chain to the root', async () => {
    const s = new Scheduler({ limits: { cpu: 4 } });
    const gate = deferred();
    const root = new Error('root failure');
    const started: string[] = [];
    s.add(
      async () => {
        await gate.promise;
        throw root;
      },
      { key: 'a' },
    );
    const b = s.add(() => started.push('b'), { key: 'b', deps: ['a'] });
    const c = s.add(() => started.push('c'), { key: 'c', deps: ['b'] });
    const d = s.add(() => started.push('d'), { key: 'd' });
    await d;
    expect(b.state).toBe('waiting');
    gate.resolve();
    const rb = await outcome(b);
    const rc = await outcome(c);
    expect(started).toEqual(['d']);
    expect(rb.ok).toBe(false);
    const eb = (rb as { error: DependencyFailedError }).error;
    const ec = (rc as { error: DependencyFailedError }).error;
    expect(eb).toBeInstanceOf(DependencyFailedError);
    expect(eb.dependency).toBe('a');
    expect(eb.cause).toBe(root);
    expect(ec.dependency).toBe('b');
    expect(ec.cause).toBe(eb);
    expect(c.state).toBe('skipped');
  });

  it('a task added after its dependency failed or was cancelled ends at once', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    const a = s.add(
      async () => {
        throw new Error('x');
      },
      { key: 'a' },
    );
    await outcome(a);
    const late = s.add(() => 1, { deps: ['a'] });
    expect(late.state).toBe('skipped');
    expect(await codeOf(late)).toBe('ALLOT_DEPENDENCY_FAILED');
    const blocker = s.add(() => deferred().promise, { key: 'blocker', cost: { cpu: 1 } });
    const cancelled = s.add(() => 1, { key: 'cancelled', cost: { cpu: 1 } });
    cancelled.cancel('no longer needed');
    expect(await codeOf(s.add(() => 1, { deps: ['cancelled'] }))).toBe('ALLOT_DEPENDENCY_FAILED');
    blocker.cancel();
  });

  it('a dependency on a completed task is satisfied at once', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    await s.add(() => 'x', { key: 'x' });
    expect(await s.add(() => 'y', { deps: ['x'] })).toBe('y');
  });
});

describe('cancellation', () => {
  it('a waiting, queued or backoff task ends at once and never starts', async () => {
    const s = new Scheduler({ limits: { gpu: 1 } });
    const started: string[] = [];
    const hold = deferred();
    s.add(
      async () => {
        started.push('holder');
        await hold.promise;
      },
      { key: 'holder', cost: { gpu: 1 } },
    );
    const queued = s.add(() => started.push('queued'), { key: 'queued', cost: { gpu: 1 } });
    const waiting = s.add(() => started.push('waiting'), { key: 'waiting', deps: ['holder'] });
    let tries = 0;
    const backoff = s.add(
      () => {
        tries++;
        throw new Error('again');
      },
      { key: 'backoff', retry: { attempts: 5, backoff: { initialMs: 60_000 } } },
    );
    await settle();
    expect([queued.state, waiting.state, backoff.state]).toEqual(['queued', 'waiting', 'backoff']);
    expect(queued.cancel('stop')).toBe(true);
    expect(s.cancel('waiting')).toBe(true);
    expect(backoff.cancel()).toBe(true);
    expect(queued.cancel()).toBe(false);
    const e = (await outcome(queued)) as { error: TaskCancelledError };
    expect(e.error).toBeInstanceOf(TaskCancelledError);
    expect(e.error.cause).toBe('stop');
    hold.resolve();
    await s.onIdle();
    expect(started).toEqual(['holder']);
    expect(tries).toBe(1);
    expect([queued.state, waiting.state, backoff.state]).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('an AbortSignal cancels, also when already aborted at add', async () => {
    const s = new Scheduler({ limits: { gpu: 1 } });
    const early = new AbortController();
    early.abort('too late');
    const h = s.add(() => 1, { signal: early.signal });
    expect(h.state).toBe('cancelled');
    expect(await codeOf(h)).toBe('ALLOT_TASK_CANCELLED');
    const ac = new AbortController();
    const running = s.add(
      (ctx) =>
        new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
      {
        signal: ac.signal,
        cost: { gpu: 1 },
      },
    );
    await settle();
    ac.abort('user left');
    const r = (await outcome(running)) as { error: TaskCancelledError };
    expect(r.error.code).toBe('ALLOT_TASK_CANCELLED');
    expect(r.error.cause).toBe('user left');
    await s.onIdle();
    expect(s.stats.inUse).toEqual({ gpu: 0 });
  });

  it('a running task rejects at once but keeps its capacity until its function settles; then it is released once', async () => {
    const s = new Scheduler({ limits: { gpu: 2 } });
    const finish = deferred();
    let aborted = false;
    const h = s.add(
      async (ctx) => {
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
        });
        await finish.promise; // still using the GPU after the abort
      },
      { key: 'encode', cost: { gpu: 2 } },
    );
    const next = s.add(() => 'next', { key: 'next', cost: { gpu: 1 } });
    await settle();
    expect(h.cancel()).toBe(true);
    expect(aborted).toBe(true);
    expect(await codeOf(h)).toBe('ALLOT_TASK_CANCELLED');
    expect(s.stats.inUse).toEqual({ gpu: 2 });
    expect(s.stats.releasing).toBe(1);
    expect(next.state).toBe('queued');
    expect(next.explain().reasons).toContainEqual({ kind: 'releasing', key: 'encode' });
    let idle = false;
    void s.onIdle().then(() => {
      idle = true;
    });
    await settle();
    expect(idle).toBe(false);
    finish.resolve();
    expect(await next).toBe('next');
    await s.onIdle();
    expect(s.stats).toMatchObject({ inUse: { gpu: 0 }, releasing: 0, cancelled: 1, completed: 1 });
  });
});

describe('timeouts and retries', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('timeoutMs fails the attempt with TaskTimeoutError and ends timed-out after the last attempt', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    const h = s.add((ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)), {
      key: 'slow',
      timeoutMs: 100,
      retry: { attempts: 2 },
    });
    const result = outcome(h);
    await vi.advanceTimersByTimeAsync(99);
    expect(h.state).toBe('running');
    await vi.advanceTimersByTimeAsync(1);
    // The first attempt timed out; the second started at once.
    expect(h.state).toBe('running');
    await vi.advanceTimersByTimeAsync(100);
    const r = (await result) as { error: TaskTimeoutError };
    expect(r.error).toBeInstanceOf(TaskTimeoutError);
    expect(r.error.attempt).toBe(2);
    expect(h.state).toBe('timed-out');
    await s.onIdle();
    expect(s.stats.inUse).toEqual({ cpu: 0 });
  });

  it('queueTimeoutMs ends a task that has not started, and does not apply once it started', async () => {
    const s = new Scheduler({ limits: { gpu: 1 } });
    const hold = deferred();
    s.add(() => hold.promise, { cost: { gpu: 1 } });
    const starved = s.add(() => 1, { key: 'starved', cost: { gpu: 1 }, queueTimeoutMs: 50 });
    const fine = s.add(() => new Promise((r) => setTimeout(r, 500)), { queueTimeoutMs: 50 });
    const r = outcome(starved);
    await vi.advanceTimersByTimeAsync(50);
    expect(((await r) as { error: QueueTimeoutError }).error).toBeInstanceOf(QueueTimeoutError);
    expect(starved.state).toBe('timed-out');
    await vi.advanceTimersByTimeAsync(500);
    await fine;
    expect(fine.state).toBe('completed');
    hold.resolve();
    await s.onIdle();
  });

  it('retries with exponential backoff holding no capacity; retryOn can stop early', async () => {
    const s = new Scheduler({ limits: { gpu: 1 } });
    const starts: number[] = [];
    const retries: { attempt: number; delayMs: number }[] = [];
    s.on('retry', (e) => retries.push({ attempt: e.attempt, delayMs: e.delayMs }));
    const h = s.add(
      (ctx) => {
        starts.push(Date.now());
        if (ctx.attempt < 4) throw new Error(`try ${ctx.attempt}`);
        return ctx.attempt;
      },
      { cost: { gpu: 1 }, retry: { attempts: 5, backoff: { initialMs: 100, factor: 3, maxMs: 500 } } },
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state).toBe('backoff');
    expect(s.stats.inUse).toEqual({ gpu: 0 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(await h).toBe(4);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 100 },
      { attempt: 2, delayMs: 300 },
      { attempt: 3, delayMs: 500 },
    ]);
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    expect(gaps).toEqual([100, 300, 500]);

    const permanent = new Error('permanent');
    let tries = 0;
    const stop = s.add(
      () => {
        tries++;
        throw permanent;
      },
      { retry: { attempts: 5, retryOn: (e) => e !== permanent } },
    );
    expect(await outcome(stop)).toEqual({ ok: false, error: permanent });
    expect(tries).toBe(1);
  });

  it('a timed-out attempt keeps its capacity until it settles, while the retry waits for capacity', async () => {
    const s = new Scheduler({ limits: { gpu: 1 } });
    const attempts: number[] = [];
    const ends: (() => void)[] = [];
    const h = s.add(
      (ctx) => {
        attempts.push(ctx.attempt);
        return new Promise<number>((resolve) => ends.push(() => resolve(ctx.attempt)));
      },
      { cost: { gpu: 1 }, timeoutMs: 10, retry: { attempts: 2 } },
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(h.state).toBe('queued'); // retry queued, the first attempt still holds the GPU
    expect(s.stats.releasing).toBe(1);
    expect(attempts).toEqual([1]);
    ends[0]?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toEqual([1, 2]);
    ends[1]?.();
    expect(await h).toBe(2);
  });
});

describe("the scheduler's own life", () => {
  it('pause stops new starts; resume lets them go', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    s.pause();
    const h = s.add(() => 1);
    await settle();
    expect(h.state).toBe('queued');
    expect(h.explain().reasons).toContainEqual({ kind: 'paused' });
    s.resume();
    expect(await h).toBe(1);
  });

  it('clear cancels everything not running', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    const hold = deferred();
    const running = s.add(() => hold.promise, { cost: { cpu: 1 } });
    const q = s.add(() => 1, { cost: { cpu: 1 } });
    const w = s.add(() => 1, { deps: [running.key] });
    await settle();
    expect(s.clear('reset')).toBe(2);
    expect([q.state, w.state]).toEqual(['cancelled', 'cancelled']);
    expect(running.state).toBe('running');
    hold.resolve();
    await s.onIdle();
    expect(running.state).toBe('completed');
  });

  it('close refuses new work, finishes what is there, and with cancel cancels it', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    const a = s.add(async () => 'a');
    const closing = s.close();
    expect(() => s.add(() => 1)).toThrow(SchedulerClosedError);
    await closing;
    expect(await a).toBe('a');

    const t = new Scheduler({ limits: { cpu: 1 } });
    const hold = deferred();
    const running = t.add(
      async () => {
        await hold.promise;
      },
      { cost: { cpu: 1 } },
    );
    const queued = t.add(() => 1, { cost: { cpu: 1 } });
    await settle();
    let closed = false;
    const done = t.close({ cancel: true }).then(() => {
      closed = true;
    });
    expect(await codeOf(running)).toBe('ALLOT_TASK_CANCELLED');
    expect(await codeOf(queued)).toBe('ALLOT_TASK_CANCELLED');
    await settle();
    expect(closed).toBe(false); // the running function has not settled
    hold.resolve();
    await done;
    expect(t.stats.inUse).toEqual({ cpu: 0 });
  });

  it('stats count by state and copy the capacity figures', async () => {
    const s = new Scheduler({ limits: { gpu: 2, cpu: 2 } });
    const hold = deferred();
    s.add(() => hold.promise, { key: 'r', cost: { gpu: 2 } });
    s.add(() => 1, { cost: { gpu: 1 } });
    s.add(() => 1, { deps: ['r'] });
    await settle();
    const st = s.stats;
    expect(st).toMatchObject({ running: 1, queued: 1, waiting: 1, completed: 0, inUse: { gpu: 2, cpu: 0 } });
    st.inUse.gpu = 99;
    expect(s.stats.inUse.gpu).toBe(2);
    hold.resolve();
    await s.onIdle();
    expect(s.stats).toMatchObject({
      running: 0,
      queued: 0,
      waiting: 0,
      completed: 3,
      available: { gpu: 2, cpu: 2 },
    });
  });

  it('forgets settled keys only at idle moments, beyond keepSettled', async () => {
    const s = new Scheduler({ limits: { cpu: 1 }, keepSettled: 2 });
    const hold = deferred();
    s.add(() => hold.promise, { key: 'long', cost: { cpu: 1 } });
    for (const k of ['a', 'b', 'c']) await s.add(() => k, { key: k });
    // Not idle yet: every settled key is still known.
    expect(s.explain('a').state).toBe('completed');
    hold.resolve();
    await s.onIdle();
    expect(() => s.explain('a')).toThrow(expect.objectContaining({ code: 'ALLOT_UNKNOWN_KEY' }));
    expect(() => s.explain('b')).toThrow(expect.objectContaining({ code: 'ALLOT_UNKNOWN_KEY' }));
    expect(s.explain('c').state).toBe('completed');
    expect(s.explain('long').state).toBe('completed');
    // A forgotten key can be used again.
    expect(await s.add(() => 'again', { key: 'a' })).toBe('again');
  });
});
