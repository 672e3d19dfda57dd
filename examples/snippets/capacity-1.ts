import { ResourceCapacitySource } from '../../src/index.js';

// One GPU box: 2 GPUs, 3 CPU cores, 48 GB of video memory.
const box = new ResourceCapacitySource({ gpu: 2, cpu: 3, vramGb: 48 });

// An encode takes every GPU, one core and 40 GB; all three are taken together or not at all.
const encode = box.tryAcquire({ gpu: 2, cpu: 1, vramGb: 40 });
console.log(encode.ok, box.available, box.peek()); // peek() is undefined once any resource is used up

// CPU and memory are free, the GPU is not: nothing is taken.
const thumbs = box.tryAcquire({ gpu: 1, cpu: 1 });
if (!thumbs.ok) console.log(thumbs.reason, box.available);

// A malformed amount is refused, not thrown.
const typo = box.tryAcquire({ cpu: -1 });
if (!typo.ok) console.log(typo.reason);

box.release({ gpu: 2, cpu: 1, vramGb: 40 });
console.log(box.peek(), box.utilization);

// Fractions are exact: ten tenths of a GPU hold exactly one, leaving exactly one.
for (let i = 0; i < 10; i++) box.acquireImmediate({ gpu: 0.1 });
console.log(box.inUse.gpu, box.canAcquire({ gpu: 1 }), box.canAcquire({ gpu: 1.000001 }));
