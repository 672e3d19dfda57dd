import { Scheduler } from '../src/index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const s = new Scheduler({ limits: { gpu: 2, cpu: 3 } });
const left = () => JSON.stringify(s.stats.available);
s.on('complete', ({ key, value }) => console.log('done', key, value, left()));

const encode = s.add(() => sleep(450).then(() => 'encode:done'), { key: 'encode', cost: { gpu: 2, cpu: 1 } });
const features = s.add(
  async function* () {
    await sleep(120);
    yield '25%'; // progress: the task keeps its resources
    await sleep(240);
    return 'features:done';
  },
  { key: 'features', cost: { gpu: 1, cpu: 2 }, onProgress: (p) => console.log('progress', p, left()) },
);
const thumbs = s.add(() => sleep(220).then(() => 'thumbs:done'), { key: 'thumbs', cost: { gpu: 1, cpu: 1 } });

console.log(await Promise.all([encode, features, thumbs]));
