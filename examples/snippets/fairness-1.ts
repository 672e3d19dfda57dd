import { Scheduler } from '../../src/index.js';

// The DRF paper's example: A's tasks need { cpu: 1, mem: 4 }, B's { cpu: 3, mem: 1 }; plenty of each queued.
for (const tenants of [{}, { A: { weight: 2 } }]) {
  const s = new Scheduler({ limits: { cpu: 9, mem: 18 }, tenants });
  const running = { A: 0, B: 0 };
  const longTask = (tenant: 'A' | 'B') => () => {
    running[tenant] += 1;
    return new Promise<void>(() => {}); // runs for as long as we look
  };
  for (let i = 0; i < 10; i++) s.add(longTask('A'), { tenant: 'A', cost: { cpu: 1, mem: 4 } });
  for (let i = 0; i < 10; i++) s.add(longTask('B'), { tenant: 'B', cost: { cpu: 3, mem: 1 } });
  await new Promise((resolve) => setImmediate(resolve)); // let it start what fits
  console.log(JSON.stringify(tenants), running, s.stats.inUse);
}
