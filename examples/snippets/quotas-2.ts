import { QuotaCapacitySource } from '../../src/index.js';

// A token bucket: bursts of up to 4 calls, refilled by 1 token every 20 ms.
const bucket = new QuotaCapacitySource({ tokens: 4 });
bucket.startPeriodicIncrement(20, { tokens: 1 });

let sent = 0;
while (bucket.tryAcquire({ tokens: 1 }).ok) sent++;
console.log('burst:', sent, bucket.available);

await bucket.changed(); // the next refill; this wait keeps the process alive until it lands
console.log('after one refill:', bucket.available);

bucket.release({ tokens: 1 }); // a quota's release is a no-op
console.log('after release:', bucket.available);

// Refills never go above the limit, however long nobody spends a token.
await new Promise((resolve) => setTimeout(resolve, 150));
console.log('after a quiet spell:', bucket.available);
bucket.stopTimer();
