import { describe, expect, it } from 'vitest';
import { main } from '../../examples/multi-tenant-server.js';

describe('multi-tenant inference server', () => {
  it("other tenants' requests start before the rest of a burst; each runs on a GPU id of its own", async () => {
    const lines: string[] = [];
    const answered = await main({ print: (line) => lines.push(line) });
    expect(answered).toHaveLength(17);
    for (const a of answered) {
      expect(a.gpus).toHaveLength(1);
      expect(['0', '1', '2', '3']).toContain(a.gpus[0]);
    }
    // Every product and research request was answered before the last four of batch's twelve, which were
    // queued before them: fairness, not arrival order, decided.
    const at = (key: string) => answered.findIndex((a) => a.key === key);
    const lastOthers = Math.max(...answered.filter((a) => a.tenant !== 'batch').map((a) => at(a.key)));
    for (const key of ['batch-8', 'batch-9', 'batch-10', 'batch-11'])
      expect(at(key)).toBeGreaterThan(lastOthers);
    expect(lines.at(-1)).toMatch(/all answered by answer \d+ of 17/);
  });
});
