import { ResourceCapacitySource } from '../../src/index.js';

const pool = new ResourceCapacitySource({ gpu: 4 });
pool.acquireImmediate({ gpu: 4 }); // four one-GPU jobs are running

// Shrink while they run: nothing is revoked, the pool is simply "in debt".
pool.setLimits({ gpu: 2 });
console.log(pool.inUse, pool.available);

// Grow back: still nothing free, because all four GPUs are still held.
pool.setLimits({ gpu: 4 });
console.log(pool.inUse, pool.available);

// Two jobs finish; two GPUs come back.
pool.release({ gpu: 2 });
console.log(pool.available);

// Estimated costs: reserve 16 GB for a model load, then correct it once the real size is known.
const mem = new ResourceCapacitySource({ ramGb: 64 });
mem.acquireImmediate({ ramGb: 16 });
mem.reconcile({ ramGb: 16 }, { ramGb: 11.5 }); // 4.5 GB come back now
console.log(mem.available);
mem.release({ ramGb: 11.5 }); // release what was really used, not the estimate
console.log(mem.available);
