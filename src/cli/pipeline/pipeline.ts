import type { TenantOptions } from '../../admission/fair-shares.js';
import type { ResourceCost } from '../../foundation/resource-cost.js';
import type { RetryOptions } from '../../scheduler/types.js';

/** How a job's command runs: an argv run directly, or a script run by `/bin/sh -c` (the file said so). */
export type JobCommand = { kind: 'argv'; argv: string[] } | { kind: 'shell'; script: string };

/** One job of a validated pipeline, after matrix expansion and defaults. */
export interface PipelineJob {
  /** Unique name; a matrix job's instances are `name[key=value,…]`. */
  name: string;
  /** The job as written in the file (the matrix job's name for its instances). */
  source: string;
  command: JobCommand;
  /** Extra environment variables (added to the CLI's own environment). */
  env: Record<string, string>;
  /** Absolute working directory (default: the pipeline file's directory). */
  cwd: string;
  /** Time limit of each attempt, ms. */
  timeoutMs?: number;
  /** Retry policy: `attempts` counts every try, the first included. */
  retry?: RetryOptions;
  priority: number;
  /** Names of the (expanded) jobs this one needs. */
  deps: string[];
  cost: ResourceCost;
  tenant?: string;
  /** Output lines matching it are progress: the first capture group (or the whole match) is a number. */
  progress?: RegExp;
  /** Progress value that means done (for a bar); without it a bar shows the raw value. */
  total?: number;
  /** Expected run time, ms (for `--dry-run`'s predicted makespan). */
  estimateMs?: number;
}

/** A validated pipeline file. */
export interface Pipeline {
  /** Absolute path of the file. */
  file: string;
  /** Its directory: relative paths in it resolve here. */
  dir: string;
  resources: ResourceCost;
  /** Indexed resources: ids per resource; its limit is the number of ids. */
  devices: Record<string, string[]>;
  /** Fair sharing between tenants, when the file asks for it. */
  tenants?: Record<string, TenantOptions>;
  /** Jobs in file order (matrix instances in value order). */
  jobs: PipelineJob[];
}

/** One problem in a pipeline file, at the offending field. */
export interface PipelineIssue {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** The job it concerns, when it concerns one. */
  job?: string;
  message: string;
}
