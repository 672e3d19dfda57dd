import { describe, expect, it } from 'vitest';
import { ioTurns } from '../support/async.js';
import { importQuietly } from './helpers.js';

// Imported dynamically so we can check that importing the example does not run it.
const {
  module: { main },
  printedOnImport,
} = await importQuietly(() => import('../../examples/legacy.js'));

/** A deterministic stand-in for setTimeout: one I/O turn per 10 ms, no real time. */
const sleep = (ms: number): Promise<void> => ioTurns(Math.ceil(ms / 10));

describe('examples/legacy.ts', () => {
  it('importing the example does not run it', () => {
    expect(printedOnImport).toBe(0);
  });

  it('prints both feeding patterns through the given log and returns the same lines', async () => {
    const logged: string[] = [];
    const lines = await main({ log: (l) => logged.push(l), sleep });
    expect(lines).toEqual(logged);
    expect(lines).toEqual([
      '1. SourceBufferObj(taskRunners, true, BufferMode.FIFO), team counter 2 under global 3',
      '  [INTERMEDIATE] task-2 encode:50% (team free=0, global free=1)',
      '  [FINAL] task-1 resize:done (team free=1, global free=2)',
      '  [FINAL] task-3 upload:done (team free=1, global free=2)',
      '  [FINAL] task-2 encode:done (team free=2, global free=3)',
      '  at most 2 tasks ran at once; team free=2',
      '2. PushPullBufferObj.source: jobs pushed while the run is going, sink.return() ends it',
      '  [FINAL] task-1 fetch:done (team free=2, global free=3)',
      '  [FINAL] task-2 parse:done (team free=1, global free=2)',
      '  [FINAL] task-3 store:done (team free=2, global free=3)',
      '  run ended after sink.return(); at most 2 at once; global free=3',
    ]);
  });
});
