/**
 * The seed media pipeline on the `Scheduler`: encode ({ gpu: 2, cpu: 1 }, 450 ms), streaming feature extraction
 * ({ gpu: 1, cpu: 2 }: 25 % after 120 ms, 75 % after 240 ms, done after 360 ms) and thumbnails
 * ({ gpu: 1, cpu: 1 }, 220 ms) under the budget { gpu: 2, cpu: 3 }. No dependencies are declared: the budget
 * alone keeps encode apart from the other two, which then run side by side.
 *
 * It prints the same lines as `multi-resource-scheduling.ts` (the same pipeline on the lower-level runner):
 * each result or progress value with the budget left at that moment, then a timeline and a summary. `taskId` is
 * the task's position in the order it was added.
 *
 * The tasks sleep on a simulated clock paced in real time, so the output, milliseconds included, is the same on
 * every run.
 *
 * Run: npm run demo
 */
import { pathToFileURL } from 'node:url';
import { Scheduler } from '../src/index.js';
import { type Held, printSummary } from './multi-resource-scheduling.js';
import { recordLines, virtualClock } from './support.js';

/** Printer and pacing, injectable so a test can run the demo quietly and at full speed. */
export interface PipelineOptions {
  /** Prints one line; default: `console.log`. */
  print?: (line: string) => void;
  /** Wait in real time as long as the simulated time advances; default true. */
  paced?: boolean;
}

/** What the demo printed and measured (times on the simulated clock). */
export interface PipelineReport {
  lines: string[];
  /** Each progress value, result or failure, with the budget left when it was reported. */
  events: Array<{
    type: 'progress' | 'complete' | 'fail';
    key: string;
    value: unknown;
    available: Record<string, number>;
  }>;
  held: Held[];
  makespan: number;
  peak: Record<string, number>;
}

const LIMITS = { gpu: 2, cpu: 3 };
const COSTS = { encode: { gpu: 2, cpu: 1 }, features: { gpu: 1, cpu: 2 }, thumbs: { gpu: 1, cpu: 1 } };

/** Runs the pipeline and prints it. */
export async function main(options: PipelineOptions = {}): Promise<PipelineReport> {
  const clock = virtualClock({ paced: options.paced ?? true });
  const { sleep, now } = clock;
  const { lines, log: print } = recordLines(options.print ?? ((line) => console.log(line)));
  const events: PipelineReport['events'] = [];
  const held = new Map<string, Held>();

  await clock.run(async () => {
    const s = new Scheduler({ limits: LIMITS });
    const taskId = (key: string) => Object.keys(COSTS).indexOf(key) + 1;
    const report = (type: 'progress' | 'complete' | 'fail', key: string, value: unknown, line: string) => {
      const available = s.stats.available; // a task's cost is back before its `complete` or `fail` is emitted
      print(line);
      print(`  available=${JSON.stringify(available)}`);
      events.push({ type, key, value, available });
    };
    s.on('progress', ({ key, value }) =>
      report('progress', key, value, `[INTERMEDIATE] taskId=${taskId(key)} value=${value}`),
    );
    s.on('complete', ({ key, value }) =>
      report('complete', key, value, `[FINAL] taskId=${taskId(key)} value=${value}`),
    );
    s.on('fail', ({ key, error }) =>
      report('fail', key, error, `[ERROR] taskId=${taskId(key)} error=${String(error)}`),
    );
    trackHolding(s, held, now);

    s.add(() => sleep(450).then(() => 'encode:done'), { key: 'encode', cost: COSTS.encode });
    s.add(
      async function* () {
        await sleep(120);
        yield 'features:25%'; // progress: the task keeps its resources
        await sleep(120);
        yield 'features:75%';
        await sleep(120);
        return 'features:done';
      },
      { key: 'features', cost: COSTS.features },
    );
    s.add(() => sleep(220).then(() => 'thumbs:done'), { key: 'thumbs', cost: COSTS.thumbs });
    await s.onIdle();
    print('done: all scheduled tasks finished');
  });

  const { stays, makespan, peak } = printSummary([...held.values()], LIMITS, print);
  return { lines, events, held: stays, makespan, peak };
}

/** Records when each task took its cost and gave it back, for the timeline. */
function trackHolding(s: Scheduler, held: Map<string, Held>, now: () => number): void {
  s.on('start', ({ key }) => {
    held.set(key, { key, cost: { ...COSTS[key as keyof typeof COSTS] }, start: now(), end: Number.NaN });
  });
  const ended = ({ key }: { key: string }) => {
    const stay = held.get(key);
    if (stay !== undefined) stay.end = now();
  };
  s.on('complete', ended);
  s.on('fail', ended);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
