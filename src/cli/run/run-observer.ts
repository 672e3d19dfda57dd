import type { ResourceCost } from '../../foundation/resource-cost.js';
import type { RunEvent, RunRecord } from './run-record.js';

/** What an output knows about a run before it starts. */
export interface RunPlan {
  /** Absolute path of the pipeline file. */
  file: string;
  limits: ResourceCost;
  /** The jobs that will run, in pipeline order, with what they need. */
  jobs: ReadonlyArray<{ name: string; cost: ResourceCost; total?: number }>;
}

/**
 * An output of a run (live view, plain lines, JSON lines, metrics): told every event as it happens, and the
 * whole record at the end.
 */
export interface RunObserver {
  event(e: RunEvent): void;
  /** The run is over (every job ended); `record` is complete. Resolves once the output is written. */
  end?(record: RunRecord): void | Promise<void>;
}
