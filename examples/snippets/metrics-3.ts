import { Counter, Duration, RollingWindow, UpDown } from '../../src/index.js';

const frames = new Counter();
frames.add(); // +1
frames.add(24);

const queued = new UpDown();
queued.add(5);
queued.add(-3);

// Timestamps may be passed explicitly, which makes windows easy to reason about (and to test).
const latency = new RollingWindow(1_000);
latency.observe(120, 0);
latency.observe(80, 400);
latency.observe(200, 900);
console.log(frames.value(), queued.value(), latency.stats(950));
console.log(latency.stats(1_100)); // the observation at t=0 has left the window

const decode = new Duration(60_000);
const stop = decode.start();
stop(); // records the elapsed milliseconds once, however often it is called
console.log(decode.stats().count);
