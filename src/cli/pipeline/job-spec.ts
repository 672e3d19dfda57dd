import { resolve } from 'node:path';
import type { Limits } from './budget.js';
import {
  type CommandTemplate,
  type JobFields,
  noFields,
  readCommand,
  readFields,
  type Template,
} from './job-fields.js';
import { checkPlaceholders, type Instance, instancesOf, readMatrix, substitute } from './matrix.js';
import { isFields } from './parsed-data.js';
import type { JobCommand, PipelineJob } from './pipeline.js';
import type { FieldPath, Problem } from './problems.js';

/** A job as written, read and checked, with the names of its instances (one unless it has a matrix). */
export interface JobSpec {
  name: string;
  command: CommandTemplate | undefined;
  fields: JobFields;
  deps: Template[];
  instances: Instance[];
}

/** The job `name` of `jobs`, its own fields over the `defaults`. */
export function readJob(
  name: string,
  raw: unknown,
  defaults: JobFields,
  limits: Limits,
  devices: Map<string, string[]>,
  problems: Problem[],
): JobSpec {
  const base: FieldPath = ['jobs', name];
  if (!isFields(raw)) return { name, command: undefined, fields: noFields(), deps: [], instances: [] };
  const own = readFields(raw, base, limits, devices, problems);
  const fields: JobFields = { ...defaults, ...own, env: new Map([...defaults.env, ...own.env]) };
  const command = readCommand(raw.cmd, [...base, 'cmd']);
  const deps = Array.isArray(raw.deps)
    ? raw.deps.flatMap((dep, i) =>
        typeof dep === 'string' ? [{ text: dep, path: [...base, 'deps', i] }] : [],
      )
    : [];
  const matrix = raw.matrix === undefined ? undefined : readMatrix(raw.matrix, [...base, 'matrix'], problems);
  if (matrix !== undefined) checkPlaceholders(name, command, fields, deps, matrix.keys, problems);
  const instances =
    matrix === undefined ? [{ name, values: new Map<string, string>() }] : instancesOf(name, matrix);
  return { name, command, fields, deps, instances };
}

/**
 * The pipeline's jobs a job as written stands for, one per instance, placeholders filled in. `deps` holds each
 * instance's dependencies, already resolved to instance names; `dir` is the file's directory.
 */
export function expand(spec: JobSpec, deps: Map<string, string[]>, dir: string): PipelineJob[] {
  return spec.instances.map((instance) => {
    const { fields } = spec;
    const values = instance.values;
    const job: PipelineJob = {
      name: instance.name,
      source: spec.name,
      command: commandOf(spec.command, values),
      env: Object.fromEntries([...fields.env].map(([name, t]) => [name, substitute(t.text, values)])),
      cwd: resolve(dir, fields.cwd === undefined ? '.' : substitute(fields.cwd.text, values)),
      priority: fields.priority ?? 0,
      deps: [...(deps.get(instance.name) ?? [])],
      cost: { ...fields.cost },
    };
    if (fields.timeoutMs !== undefined) job.timeoutMs = fields.timeoutMs;
    if (fields.retry !== undefined) job.retry = fields.retry;
    if (fields.tenant !== undefined) job.tenant = fields.tenant;
    if (fields.progress !== undefined) job.progress = fields.progress;
    if (fields.total !== undefined) job.total = fields.total;
    if (fields.estimateMs !== undefined) job.estimateMs = fields.estimateMs;
    return job;
  });
}

/** The command with placeholders filled in: a string runs as `/bin/sh -c` script, a list as argv, as written. */
function commandOf(command: CommandTemplate | undefined, values: Map<string, string>): JobCommand {
  if (command === undefined) return { kind: 'argv', argv: [] };
  if (command.kind === 'shell') return { kind: 'shell', script: substitute(command.script.text, values) };
  return { kind: 'argv', argv: command.argv.map((arg) => substitute(arg.text, values)) };
}
