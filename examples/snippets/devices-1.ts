import { Scheduler } from '../../src/index.js';

const s = new Scheduler({ limits: { cpu: 8 }, devices: { gpu: ['0', '1', '2', '3'] } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const jobs = [2, 1, 1].map((gpus, i) =>
  s.add(
    async (ctx) => {
      const mine = ctx.devices.gpu ?? [];
      console.log(`job ${i} runs on CUDA_VISIBLE_DEVICES=${mine.join(',')}`);
      if (i === 0) {
        await sleep(10); // decoding needs both GPUs...
        ctx.release({ gpu: [mine[1] as string] }); // ...the rest needs one: give the other back now
        console.log('job 0 keeps', ctx.devices.gpu, 'in use:', s.stats.inUse);
      }
      await sleep(20);
    },
    { cost: { gpu: gpus, cpu: 2 } },
  ),
);
const late = s.add((ctx) => console.log('job 3 runs on', ctx.devices.gpu), { cost: { gpu: 1 } });
await Promise.all([...jobs, late]);
