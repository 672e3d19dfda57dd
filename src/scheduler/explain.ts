import type { AdmissionCapacity, ReadyQueue } from '../admission/ready-queue.js';
import { show } from '../errors/allot-error.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import type { CapacityGate } from '../runner/capacity-gate.js';
import type { Attempt, Task } from './task.js';
import type { ExplainReason, Explanation } from './types.js';

/** What an explanation reads from its scheduler. */
export interface ExplainView<P, H> {
  readonly paused: boolean;
  readonly order: 'fifo' | 'backfill';
  readonly gate: CapacityGate<P, H>;
  /** The questions the ready queue asks, answered the same way for explanations. */
  readonly admission: AdmissionCapacity<P>;
  readonly queue: ReadyQueue<P, Task<P, H>>;
  readonly now: () => number;
  readonly tasks: { get(key: string): Task<P, H> | undefined };
  /** Attempts holding capacity (running, or cancelled/timed out and still settling). */
  readonly holders: Iterable<Attempt<P, H>>;
  /** The amounts a task declared. */
  readonly costOf: (task: Task<P, H>) => Readonly<ResourceCost>;
}

/** Why `task` is where it is, as structured reasons and one sentence. */
export function explainTask<P, H>(task: Task<P, H>, v: ExplainView<P, H>): Explanation {
  const reasons = reasonsFor(task, v);
  return { key: task.key, state: task.state, reasons, message: sentence(task, reasons, v) };
}

function reasonsFor<P, H>(task: Task<P, H>, v: ExplainView<P, H>): ExplainReason[] {
  const reasons: ExplainReason[] = [];
  switch (task.state) {
    case 'waiting':
      for (const key of task.deps ?? []) {
        const dep = v.tasks.get(key);
        if (dep !== undefined && dep.state !== 'completed')
          reasons.push({ kind: 'dependency', key, state: dep.state });
      }
      return reasons;
    case 'backoff':
      reasons.push({ kind: 'backoff', untilMs: task.extras?.backoffUntil ?? v.now() });
      return reasons;
    case 'queued':
      break;
    default:
      return reasons;
  }
  if (v.paused) reasons.push({ kind: 'paused' });
  const shortfalls = v.gate.shortfalls?.(task.prepared) ?? [];
  for (const s of shortfalls) {
    reasons.push({
      kind: 'resource',
      resource: s.resource,
      level: s.level,
      need: s.requested,
      free: s.available,
      ...(s.node !== undefined && { node: s.node }),
    });
  }
  const lacking = new Set(shortfalls.map((s) => s.resource));
  for (const a of v.holders) {
    if (a.live) continue;
    const holds = v.gate.resources?.(a.task.prepared) ?? [];
    if (holds.some((r) => lacking.has(r))) reasons.push({ kind: 'releasing', key: a.task.key });
  }
  const ranked = v.queue.tenants();
  const mine = ranked.findIndex((t) => t.tenant === task.tenant);
  const first = ranked[0];
  // Fairness holds this task back only if the first tenant's next task would take what this one could: when it
  // needs more of something, a release that fits this task does not fit it, and this task may start first.
  if (mine > 0 && first !== undefined && needsNoMore(first.head, task, v)) {
    reasons.push({ kind: 'tenant', tenant: first.tenant, share: first.share });
  }
  const head = v.queue.head();
  if (head !== undefined && head !== task && !v.gate.fits(head.prepared)) {
    if (v.order === 'fifo') reasons.push({ kind: 'behind', key: head.key });
    else if (v.queue.reserved(head, v.now()) && !v.admission.fitsBeside(task.prepared, head.prepared)) {
      reasons.push({ kind: 'reservation', key: head.key });
    }
  }
  return reasons;
}

/** Whether `a` needs no more of any resource than `b` does. */
function needsNoMore<P, H>(a: Task<P, H>, b: Task<P, H>, v: ExplainView<P, H>): boolean {
  const ca = v.costOf(a);
  const cb = v.costOf(b);
  for (const r in ca) if ((ca[r] as number) > (cb[r] ?? 0)) return false;
  return true;
}

function sentence<P, H>(task: Task<P, H>, reasons: readonly ExplainReason[], v: ExplainView<P, H>): string {
  const k = show(task.key);
  switch (task.state) {
    case 'running':
      return `${k} is running (attempt ${task.attempt}).`;
    case 'completed':
      return `${k} completed.`;
    case 'failed':
    case 'cancelled':
    case 'timed-out':
    case 'skipped':
      return `${k} ended ${task.state}: ${errorText(task.result)}.`;
    default:
      break;
  }
  if (reasons.length === 0) return `${k} is ${task.state} and can start at the next decision.`;
  const parts = reasons.map((r) => phrase(r, v));
  return `${k} ${parts.join('; and ')}.`;
}

function phrase<P, H>(r: ExplainReason, v: ExplainView<P, H>): string {
  switch (r.kind) {
    case 'dependency':
      return `waits for its dependency ${show(r.key)} (${r.state})`;
    case 'resource': {
      const holders = holdersOf(r.resource, v);
      const by = holders.length === 0 ? '' : ` (held by ${holders.map((h) => show(h)).join(', ')})`;
      return `waits for ${r.resource}: needs ${r.need}, ${r.free} free in ${r.node === undefined ? levelName(r.level) : `node ${show(r.node)}`}${by}`;
    }
    case 'behind':
      return `waits behind ${show(r.key)}, the first in line, which does not fit yet (fifo order)`;
    case 'reservation':
      return `waits because ${show(r.key)}, first in line, holds a reservation and starting this one would delay it`;
    case 'tenant':
      return `waits while tenant ${show(r.tenant)} (share ${r.share.toFixed(2)}) goes first`;
    case 'backoff':
      return `waits to retry, in ${Math.max(0, Math.round(r.untilMs - v.now()))} ms`;
    case 'paused':
      return 'waits because the scheduler is paused';
    case 'releasing':
      return `waits for ${show(r.key)}, cancelled or timed out, to stop and give back its capacity`;
  }
}

function levelName(level: number): string {
  if (level === 0) return "the scheduler's pool";
  if (level === 1) return 'the parent pool';
  return `the pool ${level} levels up`;
}

function holdersOf<P, H>(resource: string, v: ExplainView<P, H>): string[] {
  const keys: string[] = [];
  for (const a of v.holders) {
    if ((v.gate.resources?.(a.task.prepared) ?? []).includes(resource)) keys.push(a.task.key);
  }
  return keys;
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : show(error)).replace(/\.$/, '');
}
