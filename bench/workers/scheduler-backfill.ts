/**
 * Scheduler throughput with several cost classes: n no-op tasks added up front over limits
 * {gpu:4, cpu:16, mem:64}, each a fresh copy of one of five costs drawn with mulberry32(5) before the clock
 * starts; every handle's fulfilment is counted, then `await onIdle()`.
 * Usage: scheduler-backfill.ts <fifo|backfill|backfill-4-tenants> <n>
 * fifo: a head that does not fit blocks everything behind it; backfill (maxBypass 16, the default): the
 * best-ranked task that fits starts while the head waits, which asks the capacity about one task per cost
 * class instead of one. The ratio backfill ÷ fifo is the price of those extra questions.
 * backfill-4-tenants: the same tasks dealt round-robin to four tenants of weights 1, 1, 2 and 4 (`tenants`
 * option): every decision also ranks the tenants by weighted dominant share. Its reference is backfill.
 */
import { Scheduler } from '../../src/index.js';
import { args, emit, expectCount, fail, gc, mulberry32, warmupSize } from './common.js';

type Cost = Readonly<Record<string, number>>;

const BACKFILL_LIMITS = { gpu: 4, cpu: 16, mem: 64 };
const BACKFILL_SHAPES: readonly Cost[] = [
  { gpu: 2, cpu: 1 },
  { cpu: 2 },
  { gpu: 1, cpu: 4, mem: 8 },
  { mem: 16 },
  { cpu: 1, mem: 2 },
];

const noop = async (): Promise<void> => {};

/** The drawn cost shapes, one per task (the same sequence in every process). */
function drawShapes(n: number): Cost[] {
  const rnd = mulberry32(5);
  const out: Cost[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = BACKFILL_SHAPES[Math.floor(rnd() * BACKFILL_SHAPES.length)] as Cost;
  return out;
}

const TENANTS = { t0: { weight: 1 }, t1: { weight: 1 }, t2: { weight: 2 }, t3: { weight: 4 } };
const TENANT_NAMES = Object.keys(TENANTS);

async function run(order: 'fifo' | 'backfill', shapes: readonly Cost[], fair: boolean): Promise<void> {
  const n = shapes.length;
  const s = new Scheduler({ limits: { ...BACKFILL_LIMITS }, order, ...(fair && { tenants: TENANTS }) });
  let done = 0;
  const count = (): void => {
    done++;
  };
  // A fresh cost object per task, copied from the drawn shape (as a literal in each `add` would be).
  if (fair) {
    for (let i = 0; i < n; i++) {
      const tenant = TENANT_NAMES[i % 4] as string;
      void s.add(noop, { cost: { ...(shapes[i] as Cost) }, tenant }).then(count);
    }
  } else {
    for (let i = 0; i < n; i++) void s.add(noop, { cost: { ...(shapes[i] as Cost) } }).then(count);
  }
  await s.onIdle();
  await Promise.resolve();
  expectCount(`${order} fulfilled`, done, n);
  expectCount(`${order} completed`, s.stats.completed, n);
}

const { contender, n } = args(100_000);
if (contender !== 'fifo' && contender !== 'backfill' && contender !== 'backfill-4-tenants')
  fail(`unknown contender ${contender}`);
const order = contender === 'fifo' ? 'fifo' : 'backfill';
const fair = contender === 'backfill-4-tenants';
const warm = drawShapes(warmupSize(n));
const shapes = drawShapes(n);
await run(order, warm, fair);
gc();
const t0 = performance.now();
await run(order, shapes, fair);
const ms = performance.now() - t0;
emit({ contender, n, ms, tasksPerSec: (n / ms) * 1000, nsPerTask: (ms * 1e6) / n });
