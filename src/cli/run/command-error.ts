/** A job's command ended badly: a non-zero exit code, or a signal it did not ask for. */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  constructor(
    /** The job. */
    readonly job: string,
    /** Its exit code, or null when a signal ended it. */
    readonly exitCode: number | null,
    /** The signal that ended it, if any. */
    readonly signal: string | null,
    /** Where its output went. */
    readonly logFile: string,
  ) {
    super(
      `job "${job}" ${exitCode === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${exitCode}`} (log: ${logFile})`,
    );
  }
}
