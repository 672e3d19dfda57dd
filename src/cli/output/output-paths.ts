import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Makes sure `dir` exists and can be written, before anything runs: a run that could not keep its logs (or write
 * its report at the end) should say so at once, not after its jobs ran. Resolves with what is wrong, or undefined.
 */
export async function checkDirectory(dir: string): Promise<string | undefined> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    return `cannot write to ${dir}: ${(error as Error).message}`;
  }
}

/** Like {@link checkDirectory} for a file to be written: its directory must be writable and it no directory. */
export async function checkOutputFile(file: string): Promise<string | undefined> {
  const problem = await checkDirectory(dirname(file));
  if (problem !== undefined) return problem;
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isDirectory() === true) return `cannot write ${file}: it is a directory`;
  return undefined;
}
