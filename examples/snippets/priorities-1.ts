import { PrioritySourceObj } from '../../src/index.js';

// Inference requests: aging lifts a waiting request by 0.01 per ms, but by no more than 5.
let now = 0;
const queue = new PrioritySourceObj<string>({ agingRate: 0.01, maxAgeBoost: 5, now: () => now });

queue.enqueue('free-1', 1);
now = 1_000; // free-1 has waited 1 s: 1 + min(0.01 × 1000, 5) = 6
queue.enqueue('premium-1', 10);
queue.enqueue('standard-1', 5);
queue.enqueue('standard-2', 5);
console.log(queue.peek(), queue.size);

queue.closeSource(); // no more requests: drain what is queued, then end
for await (const request of queue) console.log(request);
console.log(queue.size, queue.closed);
