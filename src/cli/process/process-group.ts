import { readdir, readFile } from 'node:fs/promises';

/** A pid we may signal as a group: never 0 or 1, whose negatives mean "our own group" and "every process". */
function isGroupId(pgid: number): boolean {
  return Number.isInteger(pgid) && pgid > 1;
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Sends `sig` to every process of group `pgid`. Returns false when the group no longer exists; other
 * failures (EPERM) are ignored as well, since nothing better can be done about them.
 */
export function signalGroup(pgid: number, sig: NodeJS.Signals): boolean {
  if (!isGroupId(pgid)) return false;
  try {
    process.kill(-pgid, sig);
    return true;
  } catch (error) {
    return errorCode(error) !== 'ESRCH';
  }
}

/**
 * Whether group `pgid` still has a process that runs. A zombie does not count: once the group's leader is
 * gone its children are re-parented to PID 1, and a PID 1 that does not reap (common in containers) would
 * otherwise keep a dead group "alive" for ever. Where `/proc` cannot tell, any member counts.
 */
export async function groupIsAlive(pgid: number): Promise<boolean> {
  if (!isGroupId(pgid)) return false;
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if (errorCode(error) === 'ESRCH') return false;
  }
  if (process.platform !== 'linux') return true;
  return linuxGroupHasRunningMember(pgid);
}

async function linuxGroupHasRunningMember(pgid: number): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return true;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (Number(fields[2]) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}
