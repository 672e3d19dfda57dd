/**
 * Scheduler memory: heap retained per queued task, n tasks queued and none started, each returned handle kept
 * in an array (as a caller that wants the results would).
 * Usage: scheduler-memory.ts <p-queue|allot|allot-blocked> <n>
 * - p-queue: paused queue (concurrency 16), n × `queue.add(async () => {})`, the promises kept.
 * - allot: paused `Scheduler` ({slot:16}), n × `s.add(async () => {}, { cost: { slot: 1 } })`, handles kept.
 * - allot-blocked: not paused; limits {slot:1} and a first task that holds the slot until the end, so the
 *   other n wait on capacity (the ready queue answers "blocked" instead of the pause stopping it).
 * Each figure is heapUsed after a forced gc, minus a baseline taken the same way, divided by n. `handleBytes`
 * is what dropping the caller's array (and so the handles, or p-queue's promises) gives back.
 */
import PQueue from 'p-queue';
import { Scheduler } from '../../src/index.js';
import { args, emit, expectCount, fail, heapAfterGc, turns } from './common.js';

const noop = async (): Promise<void> => {};
let open: () => void = () => {};
const gate = new Promise<void>((resolve) => {
  open = resolve;
});
const holdSlot = (): Promise<void> => gate;

/** What the contender built: the scheduler (kept until the end) and the caller's array of handles. */
interface Built {
  queue: unknown;
  handles: unknown[] | undefined;
}

async function build(contender: string, n: number): Promise<Built> {
  switch (contender) {
    case 'p-queue': {
      const queue = new PQueue({ concurrency: 16 });
      queue.pause();
      const handles: Promise<void>[] = new Array(n);
      for (let i = 0; i < n; i++) handles[i] = queue.add(noop);
      await turns(2);
      expectCount('p-queue size', queue.size, n);
      return { queue, handles };
    }
    case 'allot': {
      const s = new Scheduler({ limits: { slot: 16 } });
      s.pause();
      const handles: PromiseLike<void>[] = new Array(n);
      for (let i = 0; i < n; i++) handles[i] = s.add(noop, { cost: { slot: 1 } });
      await turns(2);
      expectCount('allot queued', s.stats.queued, n);
      return { queue: s, handles };
    }
    case 'allot-blocked': {
      const s = new Scheduler({ limits: { slot: 1 } });
      const first = s.add(holdSlot, { cost: { slot: 1 } });
      await turns(2);
      expectCount('allot-blocked running', s.stats.running, 1);
      const handles: PromiseLike<void>[] = new Array(n);
      for (let i = 0; i < n; i++) handles[i] = s.add(noop, { cost: { slot: 1 } });
      await turns(2);
      expectCount('allot-blocked queued', s.stats.queued, n);
      return { queue: { s, first }, handles };
    }
    default:
      return fail(`unknown contender ${contender}`);
  }
}

const { contender, n } = args(1_000_000);
// Warm-up compiles the paths involved; its objects are dropped before the baseline.
await build(contender, 1_000);
await turns(2);
const baseline = heapAfterGc();
const built = await build(contender, n);
const retained = heapAfterGc() - baseline;
built.handles = undefined;
const withoutHandles = heapAfterGc() - baseline;
// Keep the scheduler reachable up to here; then let the blocked task go so nothing is left pending.
if (built.queue === undefined) fail('nothing built');
open();
emit({
  contender,
  n,
  bytesPerTask: retained / n,
  handleBytesPerTask: (retained - withoutHandles) / n,
  retainedMB: retained / 2 ** 20,
});
