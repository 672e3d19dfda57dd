/**
 * Capacity planning with `simulate`: how many GPUs and CPUs does a night's batch need to finish in under six
 * hours? Each budget is simulated with fifo and with backfill, on the same scheduler code a real run uses, in
 * a few seconds.
 *
 * The batch: 1,000 videos. Each is encoded on two GPUs (60–180 s); once encoded, its features are extracted on
 * one GPU (30–90 s) and its thumbnails made on one CPU (5–20 s); each also has an audio transcode on four CPUs
 * (60–240 s). Durations are drawn from a fixed seed, so every run prints the same table.
 *
 * Run: npm run example -- capacity-planning
 */
import { pathToFileURL } from 'node:url';
import { type SimulatedTask, simulate } from '../src/index.js';

/** One simulated budget. */
export interface PlanRow {
  gpu: number;
  cpu: number;
  fifoHours: number;
  backfillHours: number;
  gpuBusy: number;
  cpuBusy: number;
  meetsGoal: boolean;
}

const GOAL_HOURS = 6;
const BUDGETS: readonly (readonly [number, number])[] = [
  [8, 32],
  [12, 32],
  [16, 32],
  [16, 48],
  [20, 48],
  [24, 48],
  [24, 64],
];

/** The batch, the same every time (a linear congruential generator with a fixed seed). */
export function batch(videos = 1_000): SimulatedTask[] {
  let seed = 11;
  const random = () => {
    seed = (seed * 1664525 + 1013904223) % 2 ** 32;
    return seed / 2 ** 32;
  };
  const seconds = (min: number, max: number) => Math.round((min + random() * (max - min)) * 1000);
  const tasks: SimulatedTask[] = [];
  for (let v = 0; v < videos; v++) {
    const encoded = [`encode-${v}`];
    tasks.push({ key: `encode-${v}`, cost: { gpu: 2, cpu: 2 }, durationMs: seconds(60, 180) });
    tasks.push({
      key: `features-${v}`,
      cost: { gpu: 1, cpu: 2 },
      durationMs: seconds(30, 90),
      deps: encoded,
    });
    tasks.push({ key: `thumbs-${v}`, cost: { cpu: 1 }, durationMs: seconds(5, 20), deps: encoded });
    tasks.push({ key: `audio-${v}`, cost: { cpu: 4 }, durationMs: seconds(60, 240) });
  }
  return tasks;
}

/** Simulates every budget and prints the table; returns its rows. */
export async function main(print: (line: string) => void = (line) => console.log(line)): Promise<PlanRow[]> {
  const tasks = batch();
  const rows: PlanRow[] = [];
  const hours = (ms: number) => ms / 3_600_000;
  print(`${tasks.length} tasks; goal: under ${GOAL_HOURS} h`);
  print('GPUs  CPUs  fifo     backfill  GPU busy  CPU busy  meets goal');
  for (const [gpu, cpu] of BUDGETS) {
    const limits = { gpu, cpu };
    const fifo = await simulate({ limits, order: 'fifo', tasks });
    const backfill = await simulate({ limits, order: 'backfill', tasks });
    const row: PlanRow = {
      gpu,
      cpu,
      fifoHours: hours(fifo.makespanMs),
      backfillHours: hours(backfill.makespanMs),
      gpuBusy: backfill.utilization.gpu as number,
      cpuBusy: backfill.utilization.cpu as number,
      meetsGoal: hours(backfill.makespanMs) <= GOAL_HOURS,
    };
    rows.push(row);
    const pct = (x: number) => `${Math.round(x * 100)} %`.padEnd(10);
    print(
      `${String(gpu).padEnd(6)}${String(cpu).padEnd(6)}${`${row.fifoHours.toFixed(2)} h`.padEnd(9)}` +
        `${`${row.backfillHours.toFixed(2)} h`.padEnd(10)}${pct(row.gpuBusy)}${pct(row.cpuBusy)}` +
        `${row.meetsGoal ? 'yes' : 'no'}`,
    );
  }
  const first = rows.find((r) => r.meetsGoal);
  print(
    first === undefined
      ? `No budget in the table finishes under ${GOAL_HOURS} h.`
      : `Smallest budget in the table under ${GOAL_HOURS} h: ${first.gpu} GPUs and ${first.cpu} CPUs (backfill).`,
  );
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
