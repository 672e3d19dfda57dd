import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CapacitySource } from '../../src/legacy/capacity-source.js';
import { HierarchicalTaskPoolRunner } from '../../src/legacy/hierarchical-task-pool-runner.js';
import type { LegacyTaskRunner } from '../../src/legacy/legacy-task-source.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import type { TaskProgressEnvelope } from '../../src/runner/types.js';
import { ioTurns } from '../support/async.js';

type Behaviour = 'resolve' | 'throw' | 'syncThrow' | 'stream' | 'throwMidStream' | 'asyncStream';
type Fn = LegacyTaskRunner<string, string>;

const specArb = fc.record({
  behaviour: fc.constantFrom<Behaviour>(
    'resolve',
    'throw',
    'syncThrow',
    'stream',
    'throwMidStream',
    'asyncStream',
  ),
  turns: fc.integer({ min: 0, max: 3 }),
  yields: fc.integer({ min: 0, max: 3 }),
});

const scenarioArb = fc.record({
  parent: fc.integer({ min: 1, max: 4 }),
  runners: fc.array(
    fc.record({
      capacity: fc.integer({ min: 1, max: 4 }),
      specs: fc.array(specArb, { minLength: 0, maxLength: 10 }),
      breakAfter: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

describe('HierarchicalTaskPoolRunner properties', () => {
  it('no over-commit at any level, every task ends exactly once, every unit comes back', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ parent: parentCap, runners }) => {
        const parent = new CapacitySource(parentCap);
        const violations: string[] = [];
        let parentActive = 0;

        const runs = runners.map(async ({ capacity, specs, breakAfter }, r) => {
          const child = new CapacitySource(capacity, parent);
          let active = 0;
          const ended = new Map<number, number>();
          const enter = () => {
            active++;
            parentActive++;
            if (active > capacity) violations.push(`runner ${r}: ${active} > ${capacity}`);
            if (parentActive > parentCap) violations.push(`parent: ${parentActive} > ${parentCap}`);
          };
          const leave = (i: number) => {
            active--;
            parentActive--;
            ended.set(i, (ended.get(i) ?? 0) + 1);
          };
          const fns: Fn[] = specs.map((spec, i) => makeTask(spec, i, enter, leave));
          const runner = new HierarchicalTaskPoolRunner(`r${r}`, new SourceBufferObj(fns), child);
          const seen: TaskProgressEnvelope<string, string>[] = [];
          for await (const e of runner.runTasks(false)) {
            seen.push(e);
            if (breakAfter !== undefined && seen.length > breakAfter) break;
          }
          return { child, specs, seen, ended, broke: breakAfter !== undefined && seen.length > breakAfter };
        });
        const results = await Promise.all(runs);
        // Enough I/O turns for every task still running after a break to settle (at most ~16 turns each).
        await ioTurns(25);

        expect(violations).toEqual([]);
        expect(parent.currentCapacity).toBe(parentCap);
        for (const { child, specs, seen, ended, broke } of results) {
          expect(child.currentCapacity).toBe(child.maxCapacity);
          // A task's body ran to its end at most once (and exactly once when it started).
          for (const count of ended.values()) expect(count).toBe(1);
          const terminals = seen.filter((e) => e.type !== 'INTERMEDIATE');
          const ids = terminals.map((e) => e.taskId);
          expect(new Set(ids).size).toBe(ids.length);
          if (broke) continue;
          expect(ids.sort((a, b) => a - b)).toEqual(specs.map((_, i) => i + 1));
          for (const [i, spec] of specs.entries()) {
            const own = seen.filter((e) => e.taskId === i + 1);
            expect(own.every((e) => e.key === `task-${i + 1}`)).toBe(true);
            const expected = expectedTypes(spec);
            expect(own.map((e) => e.type)).toEqual(expected);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

function expectedTypes(spec: { behaviour: Behaviour; yields: number }): string[] {
  const streamed = Array<string>(spec.yields).fill('INTERMEDIATE');
  switch (spec.behaviour) {
    case 'resolve':
      return ['FINAL'];
    case 'throw':
    case 'syncThrow':
      return ['ERROR'];
    case 'stream':
    case 'asyncStream':
      return [...streamed, 'FINAL'];
    case 'throwMidStream':
      return [...streamed, 'ERROR'];
  }
}

function makeTask(
  spec: { behaviour: Behaviour; turns: number; yields: number },
  i: number,
  enter: () => void,
  leave: (i: number) => void,
): Fn {
  const { behaviour, yields } = spec;
  const wait = spec.turns;
  async function* stream(fail: boolean): AsyncGenerator<string, string, void> {
    enter();
    try {
      for (let y = 0; y < yields; y++) {
        await ioTurns(wait);
        yield `${i}:${y}`;
      }
      await ioTurns(wait);
      if (fail) throw new Error(`stream ${i} failed`);
      return `${i}:done`;
    } finally {
      leave(i);
    }
  }
  switch (behaviour) {
    case 'resolve':
    case 'throw':
      return async () => {
        enter();
        try {
          await ioTurns(wait);
          if (behaviour === 'throw') throw new Error(`task ${i} failed`);
          return `${i}`;
        } finally {
          leave(i);
        }
      };
    case 'syncThrow':
      return () => {
        enter();
        leave(i);
        throw new Error(`task ${i} threw at start`);
      };
    case 'stream':
      return () => stream(false);
    case 'throwMidStream':
      return () => stream(true);
    case 'asyncStream':
      return async () => {
        await ioTurns(wait);
        return stream(false);
      };
  }
}
