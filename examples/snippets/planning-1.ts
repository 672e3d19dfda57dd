import { type SimulatedTask, simulate } from '../../src/index.js';

// A night's batch: 400 videos. Each is encoded; then come feature extraction, thumbnails and an audio transcode.
let seed = 7;
const random = () => {
  seed = (seed * 1664525 + 1013904223) % 2 ** 32; // repeatable
  return seed / 2 ** 32;
};
const seconds = (min: number, max: number) => Math.round((min + random() * (max - min)) * 1000);
const tasks: SimulatedTask[] = [];
for (let v = 0; v < 400; v++) {
  tasks.push({ key: `encode-${v}`, cost: { gpu: 2, cpu: 2 }, durationMs: seconds(60, 180) });
  const after = [`encode-${v}`];
  tasks.push({ key: `features-${v}`, cost: { gpu: 1, cpu: 2 }, durationMs: seconds(30, 90), deps: after });
  tasks.push({ key: `thumbs-${v}`, cost: { cpu: 1 }, durationMs: seconds(5, 20), deps: after });
  tasks.push({ key: `audio-${v}`, cost: { cpu: 4 }, durationMs: seconds(60, 240) });
}

console.log('GPUs  CPUs  fifo     backfill  GPU busy  CPU busy  under 4 h?');
const budgets = [
  [4, 24],
  [8, 24],
  [12, 24],
  [8, 32],
  [10, 32],
  [12, 32],
] as const;
for (const [gpu, cpu] of budgets) {
  const limits = { gpu, cpu };
  const fifo = await simulate({ limits, order: 'fifo', tasks });
  const backfill = await simulate({ limits, tasks });
  const hours = (ms: number) => `${(ms / 3_600_000).toFixed(2)} h`.padEnd(9);
  const busy = (r: string) => `${Math.round((backfill.utilization[r] as number) * 100)} %`.padEnd(10);
  const ok = backfill.makespanMs <= 4 * 3_600_000 ? 'yes' : 'no';
  const size = `${String(gpu).padEnd(6)}${String(cpu).padEnd(6)}`;
  const times = `${hours(fifo.makespanMs)}${hours(backfill.makespanMs)}`;
  console.log(`${size}${times} ${busy('gpu')}${busy('cpu')}${ok}`);
}
