import { describe, expect, it } from 'vitest';
import {
  CostExceedsLimitError,
  InvalidTaskError,
  RunnerBusyError,
  TaskAbortedError,
} from '../../src/errors/index.js';
import { CapacitySource } from '../../src/legacy/capacity-source.js';
import { HierarchicalTaskPoolRunner } from '../../src/legacy/hierarchical-task-pool-runner.js';
import type { LegacyTaskRunner } from '../../src/legacy/legacy-task-source.js';
import { BufferMode } from '../../src/pull/buffer-mode.js';
import { PushPullBufferObj } from '../../src/pull/push-pull-buffer-obj.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import type { TaskContext, TaskProgressEnvelope } from '../../src/runner/types.js';
import { collect, deferred, ioTurns } from '../support/async.js';

type Fn = LegacyTaskRunner<string, string>;
type Envelope = TaskProgressEnvelope<string, string>;

const brief = (e: Envelope): string =>
  `${e.taskId}:${e.key}:${e.type}:${e.type === 'ERROR' ? (e.error as Error).message : String(e.value)}`;

/** Tasks that count how many run at once (per label) and record the peak, measured from inside. */
function meter() {
  const active = new Map<string, number>();
  const peak = new Map<string, number>();
  const enter = (labels: string[]) => {
    for (const l of labels) {
      const n = (active.get(l) ?? 0) + 1;
      active.set(l, n);
      peak.set(l, Math.max(peak.get(l) ?? 0, n));
    }
  };
  const leave = (labels: string[]) => {
    for (const l of labels) active.set(l, (active.get(l) ?? 0) - 1);
  };
  const task =
    (labels: string[], turns: number, value: string): Fn =>
    async () => {
      enter(labels);
      try {
        for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
        return value;
      } finally {
        leave(labels);
      }
    };
  return { task, peak };
}

describe('HierarchicalTaskPoolRunner', () => {
  it('never runs more tasks at once than the counter allows', async () => {
    const { task, peak } = meter();
    const fns = Array.from({ length: 12 }, (_, i) => task(['all'], (i % 4) + 1, `v${i}`));
    const capacity = new CapacitySource(3);
    const runner = new HierarchicalTaskPoolRunner('r', new SourceBufferObj(fns), capacity);
    const seen = await collect(runner.runTasks());
    expect(seen.map((e) => e.type)).toEqual(Array(12).fill('FINAL'));
    expect(peak.get('all')).toBe(3);
    expect(capacity.currentCapacity).toBe(3);
  });

  it('two runners on sibling counters never exceed the shared parent, and a parent release wakes both', async () => {
    const { task, peak } = meter();
    const parent = new CapacitySource(3);
    const left = new CapacitySource(2, parent);
    const right = new CapacitySource(2, parent);
    const mk = (side: string) =>
      Array.from({ length: 8 }, (_, i) => task(['parent', side], (i % 3) + 1, `${side}${i}`));
    const a = new HierarchicalTaskPoolRunner('left', new SourceBufferObj(mk('left')), left);
    const b = new HierarchicalTaskPoolRunner('right', new SourceBufferObj(mk('right')), right);
    const [ra, rb] = await Promise.all([collect(a.runTasks()), collect(b.runTasks())]);
    expect(ra.length + rb.length).toBe(16);
    expect(peak.get('parent')).toBeLessThanOrEqual(3);
    expect(peak.get('left')).toBeLessThanOrEqual(2);
    expect(peak.get('right')).toBeLessThanOrEqual(2);
    expect([parent.currentCapacity, left.currentCapacity, right.currentCapacity]).toEqual([3, 2, 2]);
  });

  it('a streaming task yields INTERMEDIATE in order, then FINAL; keys follow taskId', async () => {
    const stream: Fn = async function* () {
      yield '25%';
      yield '75%';
      return 'done';
    };
    const plain: Fn = async () => 'plain';
    const runner = new HierarchicalTaskPoolRunner(
      'r',
      new SourceBufferObj([stream, plain]),
      new CapacitySource(1),
    );
    const seen = await collect(runner.runTasks());
    expect(seen.map(brief)).toEqual([
      '1:task-1:INTERMEDIATE:25%',
      '1:task-1:INTERMEDIATE:75%',
      '1:task-1:FINAL:done',
      '2:task-2:FINAL:plain',
    ]);
  });

  it('an async function that resolves to a generator streams too', async () => {
    const produce = async function* () {
      yield 'a';
      return 'b';
    };
    const fn: Fn = async () => produce();
    const runner = new HierarchicalTaskPoolRunner('r', new SourceBufferObj([fn]), new CapacitySource(1));
    expect((await collect(runner.runTasks())).map(brief)).toEqual([
      '1:task-1:INTERMEDIATE:a',
      '1:task-1:FINAL:b',
    ]);
  });

  it('stopOnError defaults to true and the first error is thrown out of the loop', async () => {
    const capacity = new CapacitySource(2);
    const fns: Fn[] = [
      async () => {
        throw new Error('boom');
      },
      async () => 'ok',
    ];
    const runner = new HierarchicalTaskPoolRunner('r', new SourceBufferObj(fns), capacity);
    await expect(collect(runner.runTasks())).rejects.toThrow('boom');
    await ioTurns(3);
    expect(capacity.currentCapacity).toBe(2);
  });

  it('with stopOnError false, errors become ERROR envelopes and the rest go on', async () => {
    const fns: Fn[] = [
      async () => 'a',
      async () => {
        throw new Error('boom');
      },
      async function* () {
        yield 'x';
        throw new Error('mid-stream');
      },
      async () => 'd',
    ];
    const runner = new HierarchicalTaskPoolRunner('r', new SourceBufferObj(fns), new CapacitySource(1));
    expect((await collect(runner.runTasks(false))).map(brief)).toEqual([
      '1:task-1:FINAL:a',
      '2:task-2:ERROR:boom',
      '3:task-3:INTERMEDIATE:x',
      '3:task-3:ERROR:mid-stream',
      '4:task-4:FINAL:d',
    ]);
  });

  it('a task that throws synchronously gives its unit back at once', async () => {
    const capacity = new CapacitySource(1);
    const fns: Fn[] = [
      () => {
        throw new Error('init');
      },
      async () => 'next',
    ];
    const runner = new HierarchicalTaskPoolRunner('r', new SourceBufferObj(fns), capacity);
    expect((await collect(runner.runTasks(false))).map(brief)).toEqual([
      '1:task-1:ERROR:init',
      '2:task-2:FINAL:next',
    ]);
    expect(capacity.currentCapacity).toBe(1);
  });

  it('the unit is released before FINAL is yielded', async () => {
    const capacity = new CapacitySource(1);
    const runner = new HierarchicalTaskPoolRunner('r', new SourceBufferObj<Fn>([async () => 'v']), capacity);
    for await (const e of runner.runTasks()) {
      expect(e.type).toBe('FINAL');
      expect(capacity.currentCapacity).toBe(1);
    }
  });

  it('agent-integration pattern: fed by new SourceBufferObj(taskRunners, true, BufferMode.FIFO)', async () => {
    const taskRunners: Fn[] = ['a', 'b', 'c'].map((v) => async () => v);
    const runner = new HierarchicalTaskPoolRunner(
      'ai',
      new SourceBufferObj(taskRunners, true, BufferMode.FIFO),
      new CapacitySource(2),
    );
    const seen = await collect(runner.runTasks());
    expect(seen.map((e) => e.value)).toEqual(['a', 'b', 'c']);
  });

  it('agent-integration pattern: fed by PushPullBufferObj.source, tasks pushed while running, sink.return() ends the run', async () => {
    const queue = new PushPullBufferObj<Fn>();
    const capacity = new CapacitySource(2);
    const runner = new HierarchicalTaskPoolRunner('ai', queue.source, capacity);
    const seen: string[] = [];
    let ended = false;
    const consuming = (async () => {
      for await (const e of runner.runTasks()) seen.push(String(e.value));
      ended = true;
    })();
    await queue.sink.next(async () => 'first');
    await ioTurns(3);
    expect(seen).toEqual(['first']);
    expect(ended).toBe(false);
    await queue.sink.next(async () => 'second');
    await queue.sink.next(async function* () {
      yield 'third:half';
      return 'third';
    });
    await ioTurns(3);
    expect(ended).toBe(false);
    await queue.sink.return();
    await consuming;
    expect(ended).toBe(true);
    expect(seen).toEqual(['first', 'second', 'third:half', 'third']);
    expect(capacity.currentCapacity).toBe(2);
  });

  it('with nothing running and the parent held elsewhere, the run waits and wakes on its release', async () => {
    const parent = new CapacitySource(1);
    const child = new CapacitySource(1, parent);
    await parent.acquire();
    const runner = new HierarchicalTaskPoolRunner('r', new SourceBufferObj<Fn>([async () => 'v']), child);
    const seen: Envelope[] = [];
    const consuming = (async () => {
      for await (const e of runner.runTasks()) seen.push(e);
    })();
    await ioTurns(3);
    expect(seen).toEqual([]);
    await parent.release();
    await consuming;
    expect(seen.map(brief)).toEqual(['1:task-1:FINAL:v']);
  });

  it('a chain with a zero-capacity level reports each task instead of hanging', async () => {
    const runner = new HierarchicalTaskPoolRunner(
      'r',
      new SourceBufferObj<Fn>([async () => 'never']),
      new CapacitySource(2, new CapacitySource(0)),
    );
    const [e] = await collect(runner.runTasks(false));
    expect(e?.type).toBe('ERROR');
    expect(e?.error).toBeInstanceOf(CostExceedsLimitError);
  });

  it('an item that is not a function is reported as an invalid task', async () => {
    const source = new SourceBufferObj<Fn>(['nope' as unknown as Fn, async () => 'ok']);
    const runner = new HierarchicalTaskPoolRunner('r', source, new CapacitySource(1));
    const seen = await collect(runner.runTasks(false));
    expect(seen[0]?.error).toBeInstanceOf(InvalidTaskError);
    expect(seen[1]?.value).toBe('ok');
  });

  it('a second concurrent runTasks() is refused', async () => {
    const gate = deferred<string>();
    const runner = new HierarchicalTaskPoolRunner(
      'busy',
      new SourceBufferObj<Fn>([() => gate.promise]),
      new CapacitySource(1),
    );
    const first = runner.runTasks();
    const pending = first.next();
    await ioTurns(3);
    expect(runner.running).toBe(true);
    await expect(runner.runTasks().next()).rejects.toBeInstanceOf(RunnerBusyError);
    gate.resolve('v');
    expect((await pending).value).toMatchObject({ type: 'FINAL', value: 'v' });
    await first.return(undefined);
    expect(runner.running).toBe(false);
  });

  it('breaking early releases every unit once, after in-flight tasks settle', async () => {
    const parent = new CapacitySource(5);
    const capacity = new CapacitySource(3, parent);
    const slow = deferred<string>();
    const signals: AbortSignal[] = [];
    const cleaned: string[] = [];
    let laterStarted = false;
    const fns: Fn[] = [
      async () => 'fast',
      (ctx: TaskContext) => {
        signals.push(ctx.signal);
        return slow.promise;
      },
      async function* (ctx: TaskContext) {
        signals.push(ctx.signal);
        try {
          yield 'tick';
          yield 'never';
          return 'never';
        } finally {
          cleaned.push('stream');
        }
      },
      async () => {
        laterStarted = true;
        return 'later';
      },
    ];
    const runner = new HierarchicalTaskPoolRunner('r', new SourceBufferObj(fns), capacity);
    const seen: string[] = [];
    for await (const e of runner.runTasks()) {
      seen.push(`${e.key}:${e.type}`);
      if (e.key === 'task-1') break;
    }
    expect(seen).toEqual(['task-1:FINAL']);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(signals[0]?.reason).toBeInstanceOf(TaskAbortedError);
    await ioTurns(3);
    expect(cleaned).toEqual(['stream']);
    // The slow task still holds its unit until it settles.
    expect(capacity.currentCapacity).toBe(2);
    slow.resolve('late');
    await ioTurns(3);
    expect(capacity.currentCapacity).toBe(capacity.maxCapacity);
    expect(parent.currentCapacity).toBe(parent.maxCapacity);
    expect(laterStarted).toBe(false);
  });
});
