import { createHash } from 'node:crypto';

/**
 * The variables a job's process gets on top of the CLI's own environment and the job's `env`: its name, its
 * attempt, and, for every indexed resource of the pipeline, `ALLOT_DEVICES_<NAME>` with the ids it holds
 * (comma-separated, empty when it holds none). `CUDA_VISIBLE_DEVICES` is set from the `gpu` ids, since that is
 * the variable GPU programs read; a job holding no GPU gets it empty, so it cannot wander onto a GPU another job
 * holds.
 */
export function jobEnvironment(
  job: string,
  attempt: number,
  deviceResources: readonly string[],
  devices: Readonly<Record<string, readonly string[]>>,
): Record<string, string> {
  const env: Record<string, string> = { ALLOT_JOB: job, ALLOT_ATTEMPT: String(attempt) };
  for (const resource of deviceResources) {
    const ids = (devices[resource] ?? []).join(',');
    env[`ALLOT_DEVICES_${resource.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = ids;
    if (resource === 'gpu') env.CUDA_VISIBLE_DEVICES = ids;
  }
  return env;
}

/** Longest log file name kept as is, in bytes (file systems allow 255). */
const MAX_NAME_BYTES = 200;

/**
 * A job's log file name: its name with `%`, `/`, backslash and NUL written as `%XX`, so two names never share a file;
 * a name too long for a file system is cut and given a hash of the whole name.
 */
export function logFileName(job: string): string {
  const safe = job.replace(
    /[%/\\\0]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  if (Buffer.byteLength(safe) <= MAX_NAME_BYTES) return `${safe}.log`;
  const hash = createHash('sha256').update(job).digest('hex').slice(0, 12);
  let cut = safe;
  while (Buffer.byteLength(cut) > MAX_NAME_BYTES - 13) cut = cut.slice(0, -1);
  return `${cut}~${hash}.log`;
}
