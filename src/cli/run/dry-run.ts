import type { SimulationResult } from '../../scheduler/simulate.js';
import { simulate } from '../../scheduler/simulate.js';
import { formatDuration } from '../output/format-time.js';
import type { Pipeline, PipelineJob } from '../pipeline/pipeline.js';

/** What `--dry-run` found: the order jobs become ready in, and a prediction when every job has an estimate. */
export interface DryRunPlan {
  /** Dependencies first; among jobs ready together, higher priority first, then file order. */
  order: PipelineJob[];
  /** The simulated run, when every job has an `estimate`. */
  prediction?: SimulationResult;
  /** Jobs without an `estimate` (then there is no prediction). */
  unestimated: string[];
}

/** Plans `jobs` of `pipeline` without running anything. */
export async function planRun(pipeline: Pipeline, jobs: readonly PipelineJob[]): Promise<DryRunPlan> {
  const order = readyOrder(jobs);
  const unestimated = jobs.filter((j) => j.estimateMs === undefined).map((j) => j.name);
  if (unestimated.length > 0 || jobs.length === 0) return { order, unestimated };
  const prediction = await simulate({
    limits: pipeline.resources,
    ...(pipeline.tenants === undefined ? {} : { tenants: pipeline.tenants }),
    tasks: jobs.map((j) => ({
      key: j.name,
      cost: j.cost,
      durationMs: j.estimateMs ?? 0,
      deps: j.deps,
      priority: j.priority,
      ...(j.tenant === undefined ? {} : { tenant: j.tenant }),
    })),
  });
  return { order, prediction, unestimated };
}

/** The plan as text, one job per line. */
export function formatPlan(pipeline: Pipeline, plan: DryRunPlan): string {
  const lines: string[] = [];
  const limits = Object.entries(pipeline.resources)
    .map(([r, n]) => `${r}=${n}`)
    .join(', ');
  lines.push(`plan for ${pipeline.file} (budget ${limits}), ${plan.order.length} jobs:`);
  const predicted = new Map(plan.prediction?.tasks.map((t) => [t.key, t]));
  plan.order.forEach((job, i) => {
    const cost = Object.entries(job.cost)
      .map(([r, n]) => `${r}=${n}`)
      .join(',');
    const deps = job.deps.length > 0 ? ` after ${job.deps.join(', ')}` : '';
    const run = predicted.get(job.name);
    const when =
      run === undefined ? '' : `  starts ${formatDuration(run.startMs)}, ends ${formatDuration(run.endMs)}`;
    lines.push(`${String(i + 1).padStart(3)}. ${job.name} {${cost}}${deps}${when}`);
  });
  if (plan.prediction !== undefined) {
    const use = Object.entries(plan.prediction.utilization)
      .map(([r, u]) => `${r} ${Math.round(u * 100)}%`)
      .join(', ');
    lines.push(`predicted makespan: ${formatDuration(plan.prediction.makespanMs)} (utilization: ${use})`);
  } else if (plan.unestimated.length > 0) {
    lines.push(
      `no predicted makespan: ${plan.unestimated.length} job(s) have no estimate (${plan.unestimated.slice(0, 5).join(', ')}${plan.unestimated.length > 5 ? ', …' : ''})`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Kahn's order: a job comes after all its dependencies; ties by priority, then file order. */
function readyOrder(jobs: readonly PipelineJob[]): PipelineJob[] {
  const index = new Map(jobs.map((j, i) => [j.name, i]));
  const missing = new Map(jobs.map((j) => [j.name, j.deps.filter((d) => index.has(d)).length]));
  const dependents = new Map<string, PipelineJob[]>();
  for (const j of jobs) for (const d of j.deps) dependents.set(d, [...(dependents.get(d) ?? []), j]);
  const ready = jobs.filter((j) => missing.get(j.name) === 0);
  const out: PipelineJob[] = [];
  const byRank = (a: PipelineJob, b: PipelineJob): number =>
    b.priority - a.priority || (index.get(a.name) ?? 0) - (index.get(b.name) ?? 0);
  while (ready.length > 0) {
    ready.sort(byRank);
    const next = ready.shift() as PipelineJob;
    out.push(next);
    for (const d of dependents.get(next.name) ?? []) {
      const left = (missing.get(d.name) ?? 0) - 1;
      missing.set(d.name, left);
      if (left === 0) ready.push(d);
    }
  }
  return out;
}
