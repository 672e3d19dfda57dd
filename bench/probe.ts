import { allotRunner, allotTasks, drainAllot, gc } from './workers/common.js';
const SLOT = { slots: 1 };
const mode = process.argv[2];
await drainAllot(allotRunner(allotTasks(20000, () => SLOT), { slots: 16 }, true));
for (const n of [10000, 10000, 10000, 10000, 10000, 10000]) {
  const runner = allotRunner(allotTasks(n, () => SLOT), { slots: 16 }, true);
  if (mode !== 'nogc') gc();
  if (mode === 'gcwarm') await drainAllot(allotRunner(allotTasks(Number(process.argv[3]), () => SLOT), { slots: 16 }, true));
  const t0 = performance.now();
  await drainAllot(runner);
  const ms = performance.now() - t0;
  process.stdout.write(`${((ms * 1e6) / n).toFixed(0)} `);
}
console.log(mode);
