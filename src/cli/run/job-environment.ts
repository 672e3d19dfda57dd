/**
 * The variables a job's process gets on top of the CLI's own environment and the job's `env`: its name, its
 * attempt, and the device ids it holds. `CUDA_VISIBLE_DEVICES` is set from the `gpu` ids, since that is the
 * variable GPU programs read; every indexed resource also gets `ALLOT_DEVICES_<NAME>` (comma-separated ids).
 */
export function jobEnvironment(
  job: string,
  attempt: number,
  devices: Readonly<Record<string, readonly string[]>>,
): Record<string, string> {
  const env: Record<string, string> = { ALLOT_JOB: job, ALLOT_ATTEMPT: String(attempt) };
  for (const [resource, ids] of Object.entries(devices)) {
    env[`ALLOT_DEVICES_${resource.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = ids.join(',');
    if (resource === 'gpu') env.CUDA_VISIBLE_DEVICES = ids.join(',');
  }
  return env;
}

/** A job's log file name: its name with characters a file name cannot hold replaced. */
export function logFileName(job: string): string {
  return `${job.replace(/[/\\\0]/g, '_')}.log`;
}
