import { RunnerBusyError } from '../errors/runner-errors.js';
import type { RunHooks } from './envelope-stream.js';

/** Lets a runner have one active run at a time: a second `runTasks()` loop throws `RunnerBusyError`. */
export class RunGuard implements RunHooks {
  readonly #name: string;
  #active = false;

  constructor(runnerName: string) {
    this.#name = runnerName;
  }

  /** True while a run is active. */
  get active(): boolean {
    return this.#active;
  }

  /** Marks a run active; throws `RunnerBusyError` if one already is. */
  onStart(): void {
    if (this.#active) throw new RunnerBusyError(this.#name);
    this.#active = true;
  }

  /** Marks the run finished. */
  onEnd(): void {
    this.#active = false;
  }
}
