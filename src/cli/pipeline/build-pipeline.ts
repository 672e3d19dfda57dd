import type { Document } from 'yaml';
import type { TenantOptions } from '../../admission/fair-shares.js';
import type { ResourceCost } from '../../foundation/resource-cost.js';
import { readDevices, readLimits } from './budget.js';
import { reportCycles, resolveDeps } from './dependencies.js';
import { noFields, readFields } from './job-fields.js';
import { expand, readJob } from './job-spec.js';
import { type Fields, isFields } from './parsed-data.js';
import type { Pipeline } from './pipeline.js';
import type { Problem } from './problems.js';
import { keysInOrder } from './yaml-document.js';

/** What {@link buildPipeline} needs beside the data, and where it reports. */
export interface BuildContext {
  /** Absolute path of the file. */
  file: string;
  /** Its directory. */
  dir: string;
  /** The parsed document, for the order of the jobs as written. */
  doc: Document;
  /** Where problems go; the pipeline is valid only if none were found, the shape check's included. */
  problems: Problem[];
  /** Limits that replace the file's (`--resources`). */
  resources: ResourceCost | undefined;
}

/**
 * The pipeline the data of a file describes, its shape checked: defaults applied, matrix jobs expanded,
 * dependencies resolved. Every other problem goes to `ctx.problems`, and the pipeline is then meaningless.
 */
export function buildPipeline(data: unknown, ctx: BuildContext): Pipeline {
  const { problems } = ctx;
  const root = isFields(data) ? data : {};
  const limits = readLimits(root.resources, ctx.resources, problems);
  const devices = readDevices(root.devices, limits, problems);
  const defaults = isFields(root.defaults)
    ? readFields(root.defaults, ['defaults'], limits, devices, problems)
    : noFields();
  const specs = keysInOrder(ctx.doc, ['jobs'], root.jobs)
    .filter((name) => isFields(root.jobs) && Object.hasOwn(root.jobs, name))
    .map((name) => readJob(name, (root.jobs as Fields)[name], defaults, limits, devices, problems));
  const deps = resolveDeps(specs, problems);
  reportCycles(specs, deps, problems);
  const jobs = specs.flatMap((spec) => expand(spec, deps.get(spec.name)?.names ?? new Map(), ctx.dir));
  const pipeline: Pipeline = {
    file: ctx.file,
    dir: ctx.dir,
    resources: Object.fromEntries(limits.amounts),
    devices: Object.fromEntries(devices),
    jobs,
  };
  if (isFields(root.tenants)) pipeline.tenants = readTenants(root.tenants);
  return pipeline;
}

function readTenants(raw: Fields): Record<string, TenantOptions> {
  return Object.fromEntries(
    Object.entries(raw).map(([name, options]) => {
      const weight = isFields(options) ? options.weight : undefined;
      return [name, typeof weight === 'number' && weight > 0 ? { weight } : {}];
    }),
  );
}
