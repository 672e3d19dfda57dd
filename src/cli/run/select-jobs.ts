import type { Pipeline, PipelineJob } from '../pipeline/pipeline.js';

/**
 * The jobs `wanted` and everything they depend on, in pipeline order (all jobs when `wanted` is undefined). A
 * matrix job's name means all its instances.
 * @throws Error naming a job the pipeline does not have.
 */
export function selectJobs(pipeline: Pipeline, wanted: readonly string[] | undefined): PipelineJob[] {
  if (wanted === undefined) return pipeline.jobs;
  const byName = new Map(pipeline.jobs.map((j) => [j.name, j]));
  const bySource = new Map<string, PipelineJob[]>();
  for (const j of pipeline.jobs) bySource.set(j.source, [...(bySource.get(j.source) ?? []), j]);
  const keep = new Set<string>();
  const visit = (name: string): void => {
    if (keep.has(name)) return;
    keep.add(name);
    for (const dep of byName.get(name)?.deps ?? []) visit(dep);
  };
  for (const name of wanted) {
    const found = byName.has(name) ? [name] : (bySource.get(name) ?? []).map((j) => j.name);
    if (found.length === 0) throw new Error(`--jobs: no job named "${name}" in ${pipeline.file}`);
    for (const n of found) visit(n);
  }
  return pipeline.jobs.filter((j) => keep.has(j.name));
}
