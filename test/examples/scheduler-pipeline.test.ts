import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSeedPipeline } from '../../examples/multi-resource-scheduling.js';
import { main, type PipelineReport } from '../../examples/scheduler-pipeline.js';
import { runOnFakeClock } from './helpers.js';

const ENVELOPES = [
  '[FINAL] taskId=1 value=encode:done',
  '  available={"gpu":2,"cpu":3}',
  '[INTERMEDIATE] taskId=2 value=features:25%',
  '  available={"gpu":0,"cpu":0}',
  '[FINAL] taskId=3 value=thumbs:done',
  '  available={"gpu":1,"cpu":1}',
  '[INTERMEDIATE] taskId=2 value=features:75%',
  '  available={"gpu":1,"cpu":1}',
  '[FINAL] taskId=2 value=features:done',
  '  available={"gpu":2,"cpu":3}',
  'done: all scheduled tasks finished',
];

// On the simulated clock every duration is the ideal one, so the timeline is exact too.
const OUTPUT = [
  ...ENVELOPES,
  '',
  '                     0                                          810 ms',
  'encode   gpu2 cpu1  |███████████████████████████                     | 0–450 ms',
  'features gpu1 cpu2  |                           █████████████████████| 450–810 ms',
  'thumbs   gpu1 cpu1  |                           █████████████        | 450–670 ms',
  'summary: 3 tasks, makespan 810 ms, peak use gpu 2/2, cpu 3/3',
];

describe('examples/scheduler-pipeline.ts', () => {
  let report: PipelineReport;
  beforeAll(async () => {
    report = await main({ print: () => {}, paced: false });
  });

  it('prints exactly the corrected output', () => {
    expect(report.lines).toEqual(OUTPUT);
  });

  it('prints the same envelope lines as the runner version of the pipeline', async () => {
    const runner = await runOnFakeClock(() => runSeedPipeline({ print: () => {} }), {
      stepMs: 10,
      maxSteps: 200,
    });
    expect(runner.lines.slice(0, ENVELOPES.length)).toEqual(report.lines.slice(0, ENVELOPES.length));
  });

  it('encode runs alone, features and thumbs overlap, and the budget ends full', () => {
    const get = (key: string) => report.held.find((h) => h.key === key)!;
    const [encode, features, thumbs] = [get('encode'), get('features'), get('thumbs')];
    const overlaps = (a: typeof encode, b: typeof encode) => a.start < b.end && b.start < a.end;
    expect(overlaps(encode, features)).toBe(false);
    expect(overlaps(encode, thumbs)).toBe(false);
    expect(overlaps(features, thumbs)).toBe(true);
    expect(report.peak).toEqual({ gpu: 2, cpu: 3 });
    expect(report.makespan).toBeLessThan(450 + 360 + 220); // better than running them one by one
    expect(report.events.at(-1)?.available).toEqual({ gpu: 2, cpu: 3 });
  });

  it('features reports 25 %, then 75 %, then its result', () => {
    const values = report.events.filter((e) => e.key === 'features').map((e) => e.value);
    expect(values).toEqual(['features:25%', 'features:75%', 'features:done']);
  });

  it('run as a script (npm run demo), it prints the same output every time', async () => {
    const script = fileURLToPath(new URL('../../examples/scheduler-pipeline.ts', import.meta.url));
    const run = () =>
      new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', script], { timeout: 15_000 }, (error, stdout) =>
          error === null ? resolve(stdout) : reject(error),
        );
      });
    const [first, second] = await Promise.all([run(), run()]);
    expect(first).toBe(`${OUTPUT.join('\n')}\n`);
    expect(second).toBe(first);
  });
});
