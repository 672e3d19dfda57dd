/** A path into the parsed file: mapping keys and list indexes from the top. */
export type FieldPath = readonly (string | number)[];

/** A problem found at a path; `at: 'key'` points at the key of the last segment, `'value'` at its value. */
export interface PathProblem {
  path: FieldPath;
  at: 'key' | 'value';
  message: string;
}

/** A problem at a path; `job` names the job it concerns when the path alone does not (a default). */
export interface Problem extends PathProblem {
  job?: string;
}

/** Adds a problem to `problems`: readers report and go on, so that one pass finds every problem. */
export function report(
  problems: Problem[],
  path: FieldPath,
  at: 'key' | 'value',
  message: string,
  job?: string,
): void {
  problems.push(job === undefined ? { path, at, message } : { path, at, message, job });
}

/**
 * How a field is named in messages: relative to its job for a path inside one (`cost.gpu`, `deps[0]`), from the
 * top otherwise (`resources.gpu`). The job itself is "the job", the whole file "the file"; the job's name is
 * reported beside the message.
 */
export function fieldLabel(path: FieldPath): string {
  const inJob = path[0] === 'jobs' && path.length >= 2;
  const rest = inJob ? path.slice(2) : path;
  if (rest.length === 0) return inJob ? 'the job' : 'the file';
  return rest
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join('');
}

/** The job a path is inside, if any. */
export function jobOfPath(path: FieldPath): string | undefined {
  return path[0] === 'jobs' && path.length >= 2 ? String(path[1]) : undefined;
}
