/**
 * One command known to {@link liveGroups}: started (its process group may still have members) or about to
 * start.
 */
export interface LiveGroup {
  /**
   * Ends it for a shutdown: SIGTERM to its process group, SIGKILL to what is left after `graceMs`; a command
   * not started yet never starts. Resolves once the command has finished and its log is written.
   */
  terminate(graceMs: number): Promise<void>;
  /** SIGKILL to its process group at once (synchronous); a command not started yet never starts. */
  killNow(): void;
}

/** The commands of this process that have not finished, so that a shutdown can end them all. */
export class LiveGroups {
  readonly #members = new Set<LiveGroup>();

  /** How many commands are running or about to start. */
  get size(): number {
    return this.#members.size;
  }

  /** Registers a command; `runCommand` does this itself. */
  add(group: LiveGroup): void {
    this.#members.add(group);
  }

  /** Forgets a command once nothing of it is left; `runCommand` does this itself. */
  delete(group: LiveGroup): void {
    this.#members.delete(group);
  }

  /**
   * SIGTERM to every live process group, SIGKILL to those still alive after `graceMs`. Commands registered
   * but not started yet are not started. Resolves when every one of them has finished (processes gone, logs
   * written). Commands started after this call are not included.
   */
  async terminateAll(graceMs: number): Promise<void> {
    await Promise.all([...this.#members].map((group) => group.terminate(graceMs)));
  }

  /** SIGKILL to every live process group at once, e.g. on a second Ctrl-C. Synchronous. */
  killAllNow(): void {
    for (const group of [...this.#members]) group.killNow();
  }

  /**
   * The same as {@link LiveGroups.killAllNow}, named for its use as a last resort from a
   * `process.on('exit')` handler, where nothing asynchronous runs any more: it only sends signals.
   */
  killAllNowSync(): void {
    this.killAllNow();
  }
}

/** Every command started by `runCommand` in this process and not finished yet. */
export const liveGroups: LiveGroups = new LiveGroups();

/**
 * SIGKILL to every live process group, synchronously: a last resort from a `process.on('exit')` handler,
 * where nothing asynchronous runs any more. Nothing is installed on import; the CLI decides when to call it.
 */
export function killAllNowSync(): void {
  liveGroups.killAllNow();
}
