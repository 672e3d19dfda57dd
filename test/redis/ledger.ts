import type { ResourceCost } from '../../src/index.js';
import type { RedisNodeDefinition } from '../../src/redis/index.js';
import type { PlannedTask } from '../fixtures/redis-worker.js';

/** One ledger line, as a task of test/fixtures/redis-worker.ts wrote it. */
export interface Mark {
  what: 'start' | 'end';
  node: string;
  worker: number;
  task: string;
  cost: ResourceCost;
  /** From a Redis INCR taken inside the task: one order across every process. */
  seq: number;
  at: number;
}

/** Parses `start|end <node> <worker> <task> <cost json> <seq> <ms>` lines, in seq order. */
export function parseLedger(lines: readonly string[]): Mark[] {
  return lines
    .map((line) => {
      const [what, node, worker, task, cost, seq, at] = line.split(' ');
      if (what !== 'start' && what !== 'end') throw new Error(`bad ledger line: ${line}`);
      return {
        what,
        node: node as string,
        worker: Number(worker),
        task: task as string,
        cost: JSON.parse(cost as string) as ResourceCost,
        seq: Number(seq),
        at: Number(at),
      } satisfies Mark;
    })
    .sort((a, b) => a.seq - b.seq);
}

/** What a replay of the ledger found. */
export interface Replay {
  /** The most of each resource in use at once, per node. */
  peak: Record<string, ResourceCost>;
  /** Every moment a node's sum went above its limit (empty when the budget held). */
  overCommits: string[];
  /** Tasks that did not start and end exactly once, in that order. */
  notOnce: string[];
  /** Dependencies that had not ended when their dependent started. */
  depsBroken: string[];
  /** Per task: seq of its start and end. */
  spans: Map<string, { start: number; end: number }>;
}

/**
 * Replays the ledger in seq order, charging each running task's cost to its node and every ancestor, and checks
 * each node's limits after every start; checks that every planned task started and ended exactly once and that
 * its dependencies had ended before it started. A task that started before the ledger's first line and ended
 * after its last would be invisible, so the caller also checks the planned tasks all completed.
 */
export function replay(
  marks: readonly Mark[],
  tree: Readonly<Record<string, RedisNodeDefinition>>,
  planned: readonly PlannedTask[],
): Replay {
  const used: Record<string, ResourceCost> = {};
  const peak: Record<string, ResourceCost> = {};
  for (const node of Object.keys(tree)) {
    used[node] = {};
    peak[node] = {};
  }
  const chainOf = (node: string): string[] => {
    const out: string[] = [];
    for (let n: string | undefined = node; n !== undefined; n = tree[n]?.parent) out.push(n);
    return out;
  };
  const overCommits: string[] = [];
  const counts = new Map<string, { start: number; end: number; startSeq: number; endSeq: number }>();
  for (const m of marks) {
    const c = counts.get(m.task) ?? { start: 0, end: 0, startSeq: -1, endSeq: -1 };
    counts.set(m.task, c);
    const sign = m.what === 'start' ? 1 : -1;
    if (m.what === 'start') {
      c.start++;
      // The earliest start: a dependency must have ended before any run of its dependent.
      if (c.startSeq < 0) c.startSeq = m.seq;
    } else {
      c.end++;
      c.endSeq = m.seq;
    }
    for (const node of chainOf(m.node)) {
      const u = used[node] as ResourceCost;
      const p = peak[node] as ResourceCost;
      const limits = tree[node]?.limits ?? {};
      for (const [resource, amount] of Object.entries(m.cost)) {
        if (limits[resource] === undefined) continue;
        u[resource] = (u[resource] ?? 0) + sign * amount;
        p[resource] = Math.max(p[resource] ?? 0, u[resource] as number);
        if ((u[resource] as number) > (limits[resource] as number))
          overCommits.push(
            `seq ${m.seq}: ${m.task} starts, ${node} ${resource} in use ${u[resource]} > ${limits[resource]}`,
          );
      }
    }
  }
  const notOnce: string[] = [];
  const spans = new Map<string, { start: number; end: number }>();
  const expected = new Set(planned.map((p) => p.key));
  for (const [task, c] of counts) {
    if (!expected.has(task)) notOnce.push(`${task}: in the ledger but never planned`);
    else if (c.start !== 1 || c.end !== 1 || c.endSeq < c.startSeq)
      notOnce.push(`${task}: ${c.start} starts, ${c.end} ends`);
    spans.set(task, { start: c.startSeq, end: c.endSeq });
  }
  const depsBroken: string[] = [];
  for (const p of planned) {
    const span = spans.get(p.key);
    if (span === undefined) continue;
    for (const dep of p.deps) {
      const d = spans.get(dep);
      if (d === undefined || d.end > span.start)
        depsBroken.push(`${p.key} started at seq ${span.start} before ${dep} ended (${d?.end ?? 'never'})`);
    }
  }
  return { peak, overCommits, notOnce, depsBroken, spans };
}
